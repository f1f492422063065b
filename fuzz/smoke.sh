#!/usr/bin/env bash
# CI smoke test: build every fuzz target and run each for a few seconds.
# Works on a fresh machine where rustup has a nightly toolchain.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
exec "$here/run.sh" "${FUZZ_SMOKE_SECONDS:-5}"
