#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60), seeded from samples/.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
# Crashes land in fuzz/artifacts/<target>/; turn each into a regression test
# under tests/regressions/ (see docs/SECURITY.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(jpeg png gif webp jxl jp2 tiff heif mp4 matroska avi mp3 wav flac ogg metadata clean scanner)
fi

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi
"$here/seed.sh"
# One job, one worker: the machine is shared. -rss_limit_mb catches
# allocations a length field forces; -timeout catches hangs.
status=0
for t in "${targets[@]}"; do
  echo "== $t: ${seconds}s" >&2
  if ! cargo +nightly fuzz run "$t" "corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
      -max_len=262144 -print_final_stats=1; then
    echo "!! $t found a failure: see fuzz/artifacts/$t/" >&2
    status=1
  fi
done
exit $status
