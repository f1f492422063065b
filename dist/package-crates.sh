#!/usr/bin/env bash
# Package both crates together, verified by building them from the
# packaged sources: `cargo package -p mediascrub -p mediascrub-cli`. The
# CLI depends on the library, which crates.io does not have yet: packaged
# together, cargo resolves it to the library packaged beside it, through a
# temporary local registry.
#
# Cargo takes a registry crate of a given name and version to be immutable:
# it never unpacks one twice (under $CARGO_HOME/registry/src/-<hash>/) and
# never rebuilds one it has built. Packaging the same version again after
# a change would verify the CLI against the library as it was the first
# time. So the verification builds in its own target folder
# ($CARGO_TARGET_DIR/package-verify, dependencies kept between runs), and
# the previous unpacked copies and builds of the two crates are removed
# first (only those: never crates.io's).
#
# Usage: dist/package-crates.sh [cargo package options, e.g. --allow-dirty]
# The crates land in $CARGO_TARGET_DIR/package (default target/package).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
verify_dir="$target_dir/package-verify"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
versions=()
for crate in mediascrub mediascrub-cli; do
  version=$(cargo pkgid -p "$crate" | sed 's/.*[@#]//')
  versions+=("$crate-$version")
  rm -rf "$cargo_home"/registry/src/-*/"$crate-$version"
done
rm -rf "$verify_dir/package"
for profile_dir in "$verify_dir"/*/; do
  [ -d "$profile_dir/.fingerprint" ] || continue
  rm -rf "$profile_dir"/.fingerprint/mediascrub-* "$profile_dir"/build/mediascrub-* \
    "$profile_dir"/deps/*mediascrub*
done
CARGO_TARGET_DIR="$verify_dir" nice -n "${MEDIASCRUB_NICE:-10}" \
  cargo package --locked "$@" -p mediascrub -p mediascrub-cli
mkdir -p "$target_dir/package"
for name in "${versions[@]}"; do
  cp "$verify_dir/package/$name.crate" "$target_dir/package/"
  echo "$target_dir/package/$name.crate"
done
