#!/usr/bin/env python3
"""Benchmarks for the docs/PERFORMANCE.md targets.

    python3 bench/bench.py [--quick] [--photos N] [--video-mb M] [--repeat R]
                           [--bin PATH] [--keep-data]

Builds the release CLI (unless --bin is given) and its own workloads in a
temporary directory (never in the repository):

- a batch of camera JPEGs, replicated from ../shared/corpus/jpeg (or
  $MEDIASCRUB_CORPUS/jpeg; only files mediascrub cleans are used);
- an MP4 (movie header after the media, ffmpeg's default), the same MP4
  with the movie header first (`-movflags +faststart`), an MKV and an AVI
  of about --video-mb MB, generated with ffmpeg, with a planted location
  tag.

On the same files it runs, where installed: `cp` (the baseline), `cp &&
sync`, mediascrub (`--out`/`-o`, with `--no-sync`, and `--in-place`,
whose row says whether the file was patched or rewritten),
ExifTool (`-all= -tagsfromfile @ -Orientation -o OUT`), mat2, and for the
videos ffmpeg's remux (`-map 0 -map_metadata -1 -c copy`). It prints one
table: median wall time over --repeat runs, CPU (user+sys of the child and
its waited-for children, from wait4), peak RSS, and the ratio of the
median wall time to `cp`'s. Each run starts after a `sync` with a warm
page cache; preparation (removing the previous output, restoring an
in-place copy) is not timed.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def have(tool):
    return shutil.which(tool) is not None


class Row:
    def __init__(self, case, tool, wall=None, cpu=None, rss=None, note=""):
        self.case, self.tool, self.wall, self.cpu, self.rss, self.note = (
            case, tool, wall, cpu, rss, note)


TIME = shutil.which("time") and "/usr/bin/time"


def measure(case, tool, cmd, repeat, before=None, ok_codes=(0,)):
    """Median wall (s), median CPU (s) and max peak RSS (MiB) of `cmd`.

    CPU and peak RSS come from GNU time when installed: a child forked from
    Python carries Python's resident set into its ru_maxrss (the kernel
    records the forked image's high-water mark at exec), which would put a
    floor of about 15 MiB under every figure. Without it, from wait4.
    """
    walls, cpus, peaks = [], [], []
    stats = os.path.join(tempfile.gettempdir(), f"mediascrub-bench-time-{os.getpid()}")
    for _ in range(repeat):
        if before:
            before()
        # Start every run with no dirty pages from the previous one.
        subprocess.run(["sync"], check=True)
        full = [TIME, "-q", "-f", "%M", "-o", stats, *cmd] if TIME else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = proc.stdout.read().decode(errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        code = os.waitstatus_to_exitcode(status)
        if code not in ok_codes:
            first = [line for line in out.strip().splitlines() if line.strip()][:1]
            why = first[0].strip().replace(os.path.dirname(cmd[-1]) + "/", "")
            why = why[:70].replace("|", "/")
            return Row(case, tool, note=f"fails (exit {code}): {why}")
        # CPU from wait4 either way (GNU time's own is negligible and its
        # figures have only 10 ms resolution).
        cpus.append(usage.ru_utime + usage.ru_stime)
        if TIME:
            with open(stats) as f:
                peaks.append(int(f.read().split()[-1]) / 1024)
        else:
            peaks.append(usage.ru_maxrss / 1024)
    if os.path.exists(stats):
        os.remove(stats)
    return Row(case, tool, statistics.median(walls), statistics.median(cpus), max(peaks))


def print_table(rows):
    print()
    print("| case | tool | wall (median) | CPU user+sys | peak RSS | × `cp` |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    base = {}
    for row in rows:
        if row.tool == "`cp`" and row.wall:
            base[row.case] = row.wall
    for row in rows:
        if row.wall is None:
            print(f"| {row.case} | {row.tool} | {row.note} | | | |")
            continue
        ratio = f"{row.wall / base[row.case]:.2f}" if base.get(row.case) else ""
        print(f"| {row.case} | {row.tool} | {row.wall:.3f} s | {row.cpu:.3f} s "
              f"| {row.rss:.1f} MiB | {ratio} |")
    sys.stdout.flush()


def corpus_jpegs(bin_path, work):
    corpus = os.environ.get("MEDIASCRUB_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
    src = os.path.join(corpus, "jpeg")
    if not os.path.isdir(src):
        sys.exit(f"no JPEG corpus at {src} (set MEDIASCRUB_CORPUS)")
    # Only the files mediascrub cleans (a refused file would make every
    # run exit 1 and be compared against a copy of it).
    probe = os.path.join(work, "probe")
    good = []
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if not name.lower().endswith((".jpg", ".jpeg")) or not os.path.isfile(path):
            continue
        r = subprocess.run([bin_path, "clean", "-q", "--dry-run", path, "--out", probe],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            good.append(path)
    if not good:
        sys.exit("no corpus JPEG cleans")
    return good


def make_photos(bin_path, work, count):
    good = corpus_jpegs(bin_path, work)
    batch = os.path.join(work, "photos")
    os.makedirs(batch)
    for i in range(count):
        src = good[i % len(good)]
        shutil.copyfile(src, os.path.join(batch, f"IMG_{i:04}.jpg"))
    return batch, min(len(good), count)


def make_videos(work, megabytes):
    clip = os.path.join(work, "clip.mp4")
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=1000",
         "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "40M",
         "-c:a", "aac", clip])
    loops = max(1, round(megabytes * 1e6 / os.path.getsize(clip)))
    videos = []
    # (file, label, extra ffmpeg output options)
    layouts = [
        ("big.mp4", "MP4", []),
        ("faststart.mp4", "MP4 (faststart)", ["-movflags", "+faststart"]),
        ("big.mkv", "MKV", []),
        # PCM audio: AAC in AVI is not standard.
        ("big.avi", "AVI", ["-c:a", "pcm_s16le"]),
    ]
    for name, label, extra in layouts:
        big = os.path.join(work, name)
        run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(loops - 1), "-i", clip,
             "-map", "0", "-c", "copy", *extra, "-metadata", "location=+59.4370+024.7536/",
             "-metadata", "title=planted title", big])
        videos.append((big, label))
    return videos


def in_place_how(bin_path, video, work):
    """How `--in-place` writes this file: patched, rewritten or unchanged
    (the `written` field of the JSON report), from one untimed run on a
    copy."""
    probe = os.path.join(work, "probe" + os.path.splitext(video)[1])
    shutil.copyfile(video, probe)
    out = subprocess.run([bin_path, "clean", "--json", "--in-place", probe],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    os.remove(probe)
    try:
        return json.loads(out.stdout)["files"][0].get("written") or "?"
    except (ValueError, KeyError, IndexError):
        return "?"


def remover(path):
    def clear():
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
    return clear


def restore(src, dst):
    def copy():
        remover(dst)()
        if os.path.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)
    return copy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="150 photos, 150 MB videos, 3 runs, ExifTool/mat2 once")
    parser.add_argument("--photos", type=int, default=None, help="JPEGs in the batch (600)")
    parser.add_argument("--video-mb", type=float, default=None,
                        help="size of each video in MB (500; 0 skips)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per command (5)")
    parser.add_argument("--bin", help="a mediascrub binary to measure (default: build one)")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    photos = args.photos if args.photos is not None else (150 if args.quick else 600)
    video_mb = args.video_mb if args.video_mb is not None else (150 if args.quick else 500)
    repeat = args.repeat or (3 if args.quick else 5)
    slow_repeat = 1 if args.quick else repeat  # ExifTool and mat2

    bin_path = args.bin
    if not bin_path:
        run(["cargo", "build", "--release", "-q", "-p", "mediascrub-cli"], cwd=ROOT)
        bin_path = os.path.join(TARGET, "release", "mediascrub")
    exiftool, mat2, ffmpeg = have("exiftool"), have("mat2"), have("ffmpeg")
    print(f"mediascrub: {bin_path}")
    print(f"exiftool: {'yes' if exiftool else 'not installed'}; "
          f"mat2: {'yes' if mat2 else 'not installed'}; ffmpeg: {'yes' if ffmpeg else 'no'}")

    work = tempfile.mkdtemp(prefix="mediascrub-bench-")
    rows = []
    try:
        print(f"data in {work}")
        # 1. Photo batch.
        batch, distinct = make_photos(bin_path, work, photos)
        size = sum(os.path.getsize(os.path.join(batch, n)) for n in os.listdir(batch)) / 2**20
        case = f"{photos} JPEGs ({size:.0f} MiB, {distinct} distinct), new copies"
        out = os.path.join(work, "out")
        clear = remover(out)
        rows.append(measure(case, "`cp`", ["cp", "-r", batch, out], repeat, clear))
        rows.append(measure(case, "`cp -r && sync`",
                            ["sh", "-c", f"cp -r '{batch}' '{out}' && sync"], repeat, clear))
        rows.append(measure(case, "mediascrub `--out`",
                            [bin_path, "clean", "-q", batch, "--out", out], repeat, clear))
        rows.append(measure(case, "mediascrub `--out --no-sync`",
                            [bin_path, "clean", "-q", "--no-sync", batch, "--out", out],
                            repeat, clear))
        rows.append(measure(case, "mediascrub `--dry-run` (no write)",
                            [bin_path, "clean", "-q", "--dry-run", batch, "--out", out],
                            repeat, clear))
        inplace = os.path.join(work, "inplace")
        rows.append(measure(case, "mediascrub `--in-place`",
                            [bin_path, "clean", "-q", "--in-place", inplace],
                            repeat, restore(batch, inplace)))
        if exiftool:
            # Exit 1 when some file has a warning it will not write past.
            rows.append(measure(case, "ExifTool `-all= -tagsfromfile @ -Orientation -o`",
                                ["exiftool", "-q", "-q", "-all=", "-tagsfromfile", "@",
                                 "-Orientation", "-o", out + "/", batch],
                                slow_repeat, clear, ok_codes=(0, 1)))
        if mat2:
            rows.append(measure(case, "mat2 (sibling `.cleaned` files)",
                                ["mat2", inplace], slow_repeat,
                                restore(batch, inplace), ok_codes=(0, 1)))
        print_table(rows)

        # 2. Large videos.
        if video_mb > 0 and ffmpeg:
            for video, label in make_videos(work, video_mb):
                ext = os.path.splitext(video)[1]
                case = f"{label} {os.path.getsize(video) / 2**20:.0f} MiB, new copy"
                target = os.path.join(work, "clean" + ext)
                clear = remover(target)
                rows.append(measure(case, "`cp`", ["cp", video, target], repeat, clear))
                rows.append(measure(case, "`cp && sync`",
                                    ["sh", "-c", f"cp '{video}' '{target}' && sync"],
                                    repeat, clear))
                rows.append(measure(case, "mediascrub `-o`",
                                    [bin_path, "clean", "-q", video, "-o", target],
                                    repeat, clear))
                rows.append(measure(case, "mediascrub `-o --no-sync`",
                                    [bin_path, "clean", "-q", "--no-sync", video, "-o", target],
                                    repeat, clear))
                inplace = os.path.join(work, "inplace" + ext)
                how = in_place_how(bin_path, video, work)
                rows.append(measure(case, f"mediascrub `--in-place` ({how})",
                                    [bin_path, "clean", "-q", "--in-place", inplace],
                                    repeat, restore(video, inplace)))
                rows.append(measure(case, "ffmpeg `-map 0 -map_metadata -1 -c copy`",
                                    ["ffmpeg", "-v", "error", "-y", "-i", video, "-map", "0",
                                     "-map_metadata", "-1", "-c", "copy", target],
                                    repeat, clear))
                if exiftool:
                    rows.append(measure(case, "ExifTool `-all= -tagsfromfile @ -Orientation -o`",
                                        ["exiftool", "-q", "-all=", "-tagsfromfile", "@",
                                         "-Orientation", "-o", target, video],
                                        slow_repeat, clear))
                if mat2:
                    rows.append(measure(case, "mat2 (sibling `.cleaned` file)",
                                        ["mat2", inplace], slow_repeat,
                                        restore(video, inplace)))
                remover(inplace)()
            print_table(rows)

        # 3. Start-up.
        small = os.path.join(ROOT, "samples", "photo-gps.jpg")
        calls = 50
        start = time.perf_counter()
        for _ in range(calls):
            run([bin_path, "scan", "-q", small], stderr=subprocess.DEVNULL)
        per_call = (time.perf_counter() - start) / calls * 1000
        print(f"\nstart-up (scan of a small JPEG): {per_call:.1f} ms per call")
    finally:
        if args.keep_data:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
