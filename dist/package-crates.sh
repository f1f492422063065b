#!/usr/bin/env bash
# Package both crates together, verified by building them from the
# packaged sources: `cargo package -p mediascrub -p mediascrub-cli`. The
# CLI depends on the library, which crates.io does not have yet: packaged
# together, cargo resolves it to the library packaged beside it, through a
# temporary local registry (target/package/tmp-registry).
#
# Cargo unpacks that registry's crates under $CARGO_HOME/registry/src/-<hash>/
# and never unpacks a name and version twice, so a second run at the same
# version would verify the CLI against the library as it was packaged the
# first time. Both are removed first (only those local-registry folders,
# never crates.io's).
#
# Usage: dist/package-crates.sh [cargo package options, e.g. --allow-dirty]
# The crates land in $CARGO_TARGET_DIR/package (default target/package).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
for crate in mediascrub mediascrub-cli; do
  version=$(cargo pkgid -p "$crate" | sed 's/.*[@#]//')
  rm -rf "$cargo_home"/registry/src/-*/"$crate-$version"
done
rm -rf "$target_dir/package"
nice -n "${MEDIASCRUB_NICE:-10}" cargo package --locked "$@" -p mediascrub -p mediascrub-cli
