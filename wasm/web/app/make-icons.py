#!/usr/bin/env python3
"""Draw the app's icons (a lens with a slash through it, white on blue) as
PNG files with the standard library only. Run once after changing the
drawing; the PNGs are committed.

    python3 wasm/web/app/make-icons.py
"""
import math
import struct
import zlib
from pathlib import Path

BLUE = (11, 79, 156)
WHITE = (255, 255, 255)


def png(path, size, pixel):
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(pixel((x + 0.5) / size, (y + 0.5) / size))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")
    Path(path).write_bytes(data)


def icon(scale):
    """The drawing, within a safe zone of `scale` of the square (maskable
    icons keep their content in the middle 80%)."""

    def pixel(u, v):
        x, y = (u - 0.5) / scale, (v - 0.5) / scale
        r = math.hypot(x, y)
        ring = 0.28 <= r <= 0.38
        lens = r <= 0.14
        # The slash: a band along the diagonal from top right to bottom left.
        slash = abs(x + y) <= 0.045 and r <= 0.46
        return WHITE if ring or lens or slash else BLUE

    return pixel


here = Path(__file__).resolve().parent / "icons"
here.mkdir(exist_ok=True)
for size in (192, 512):
    png(here / f"icon-{size}.png", size, icon(1.0))
    png(here / f"maskable-{size}.png", size, icon(0.8))
