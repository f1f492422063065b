#!/usr/bin/env python3
"""Benchmarks for the DESIGN.md performance targets.

    python3 bench/bench.py [--photos N] [--video-gb G] [--keep-data]

Builds the release CLI, generates test data under a temporary directory
(with ffmpeg and exiftool; nothing is committed), and measures:

1. a batch of camera-sized JPEGs: `mediascrub clean --out` vs `cp -r`
   (target: within 1.5x);
2. a large MP4, copy mode: `mediascrub clean -o` vs `cp` (target: within
   1.2x) and the peak memory (target: under 64 MiB at any size);
3. the same video in place: time should not grow with the media size;
4. start-up: one `mediascrub scan` of a small file per call.

Times are wall-clock medians of a few runs with a warm page cache; peak
memory is the child's maximum resident set size from wait4().
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "mediascrub")


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def measure(cmd, repeat=3, before=None):
    """Median wall time (s) and max peak RSS (MiB) of `cmd` over runs."""
    times, peaks = [], []
    for _ in range(repeat):
        if before:
            before()
        # Start every run with no dirty pages from the previous one.
        subprocess.run(["sync"], check=True)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"command failed: {' '.join(cmd)}\n{err}")
        times.append(elapsed)
        peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(times), max(peaks)


def report(name, ours, baseline, target=None):
    ratio = ours[0] / baseline[0] if baseline[0] > 0 else float("inf")
    verdict = ""
    if target:
        verdict = "  OK" if ratio <= target else f"  OVER TARGET ({target}x)"
    print(f"{name:<34} {ours[0]:8.3f} s  vs {baseline[0]:8.3f} s  = {ratio:5.2f}x   peak {ours[1]:6.1f} MiB{verdict}")


def make_photo(work):
    base = os.path.join(work, "camera.jpg")
    # Noise compresses badly, like a real photo: ~12 MP, a few MB.
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         "nullsrc=s=4000x3000,geq=random(1)*255:128:128", "-frames:v", "1", "-q:v", "2", base])
    run(["exiftool", "-q", "-overwrite_original", "-tagsFromFile",
         os.path.join(ROOT, "samples", "photo-gps.jpg"), "-all:all", base])
    return base


def make_video(work, gigabytes):
    clip = os.path.join(work, "clip.mp4")
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=1920x1080:rate=30", "-f", "lavfi", "-i", "sine=frequency=1000",
         "-t", "10", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "40M",
         "-c:a", "aac", "-metadata", "location=+59.4370+024.7536/", clip])
    loops = max(1, int(gigabytes * 1024**3 / os.path.getsize(clip)))
    big = os.path.join(work, "big.mp4")
    run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(loops - 1), "-i", clip,
         "-c", "copy", "-metadata", "location=+59.4370+024.7536/", big])
    return big


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--video-gb", type=float, default=2.0)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()

    run(["cargo", "build", "--release", "-q", "-p", "mediascrub-cli"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="mediascrub-bench-")
    try:
        print(f"data in {work}")
        # 1. Photo batch.
        photo = make_photo(work)
        batch = os.path.join(work, "photos")
        os.makedirs(batch)
        for i in range(args.photos):
            shutil.copyfile(photo, os.path.join(batch, f"IMG_{i:04}.jpg"))
        size = os.path.getsize(photo) * args.photos / 1024**2
        out = os.path.join(work, "out")
        clear = lambda: shutil.rmtree(out, ignore_errors=True)
        base = measure(["cp", "-r", batch, out], before=clear)
        durable = measure(["sh", "-c", f"cp -r '{batch}' '{out}' && sync"], before=clear)
        ours = measure([BIN, "clean", "-q", batch, "--out", out], before=clear)
        report(f"{args.photos} JPEGs ({size:.0f} MiB) --out", ours, base, 1.5)
        report("  same, vs cp -r && sync", ours, durable, 1.5)
        dry = measure([BIN, "clean", "-q", "--dry-run", batch, "--out", out], before=clear)
        report("  --dry-run (parse+verify, no write)", dry, base)

        # 2./3. Large video.
        if args.video_gb > 0:
            video = make_video(work, args.video_gb)
            gib = os.path.getsize(video) / 1024**3
            target = os.path.join(work, "clean.mp4")
            rm = lambda: os.path.exists(target) and os.remove(target)
            base = measure(["cp", video, target], before=rm)
            durable = measure(["sh", "-c", f"cp '{video}' '{target}' && sync"], before=rm)
            ours = measure([BIN, "clean", "-q", video, "-o", target], before=rm)
            report(f"MP4 {gib:.1f} GiB, copy mode", ours, base, 1.2)
            report("  same, vs cp && sync", ours, durable, 1.2)
            inplace = os.path.join(work, "inplace.mp4")
            ours = measure([BIN, "clean", "-q", "--in-place", inplace],
                           before=lambda: shutil.copyfile(video, inplace))
            report(f"MP4 {gib:.1f} GiB, --in-place", ours, base)

        # 4. Start-up.
        small = os.path.join(ROOT, "samples", "photo-gps.jpg")
        calls = 50
        start = time.perf_counter()
        for _ in range(calls):
            run([BIN, "scan", "-q", small], stderr=subprocess.DEVNULL)
        per_call = (time.perf_counter() - start) / calls * 1000
        print(f"{'start-up (scan of a small JPEG)':<34} {per_call:8.1f} ms per call")
    finally:
        if args.keep_data:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
