#!/usr/bin/env bash
# Build the npm package in wasm/pkg: compile the wasm crate for
# wasm32-unknown-unknown (release) and generate the JavaScript glue with
# wasm-bindgen-cli of exactly the version the crate pins. The hand-written
# files of the package (package.json, index.js, index.d.ts, assemble.js,
# worker.js, README.md) are committed; the generated ones are not.
#
# Usage: wasm/build.sh            (needs wasm-bindgen 0.2.130 on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.2.130
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $version"; then
  echo "wasm/build.sh: needs wasm-bindgen $version:" >&2
  echo "  cargo install wasm-bindgen-cli --version $version" >&2
  exit 1
fi
cargo build --release --target wasm32-unknown-unknown -p mediascrub-wasm
target="${CARGO_TARGET_DIR:-target}"
wasm-bindgen --target web --out-dir wasm/pkg --out-name mediascrub_wasm \
  "$target/wasm32-unknown-unknown/release/mediascrub_wasm.wasm"
raw=$(wc -c <wasm/pkg/mediascrub_wasm_bg.wasm)
gz=$(gzip -9 -c wasm/pkg/mediascrub_wasm_bg.wasm | wc -c)
echo "wasm/pkg/mediascrub_wasm_bg.wasm: $raw bytes, $gz gzipped"
