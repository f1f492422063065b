#!/usr/bin/env bash
# Build the two published binaries of the CLI, from this machine (Debian,
# x86_64):
#
#   x86_64-unknown-linux-musl  static Linux binary (musl, mimalloc as its
#                              allocator); needs Debian's musl-tools
#   x86_64-pc-windows-gnu      Windows binary (mediascrub.exe); needs
#                              Debian's gcc-mingw-w64-x86-64
#
# Both with the `dist` profile (release, symbols stripped). Prints each
# build's duration and each binary's size and SHA-256. The Rust targets are
# added with rustup when missing.
#
# Usage: dist/build-binaries.sh [linux|windows]...   (default: both)
# The binaries land in $CARGO_TARGET_DIR (default target/):
#   <target>/x86_64-unknown-linux-musl/dist/mediascrub
#   <target>/x86_64-pc-windows-gnu/dist/mediascrub.exe
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
target_dir="${CARGO_TARGET_DIR:-target}"
nice_cmd=(nice -n "${MEDIASCRUB_NICE:-10}")

# Reproducible: one commit, one set of bytes (given the same toolchain and
# folders). The MinGW linker dates the .exe at SOURCE_DATE_EPOCH (the
# commit's time unless set), and mimalloc's C code, which prints
# __DATE__ and __TIME__ in its version banner, gets fixed values instead of
# the time it happened to be compiled.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
export CFLAGS_x86_64_unknown_linux_musl='-Wno-builtin-macro-redefined -D__DATE__="-" -D__TIME__="-"'

which_ones=("$@")
[ "${#which_ones[@]}" -gt 0 ] || which_ones=(linux windows)

need() { # command, Debian package
  if ! command -v "$1" >/dev/null; then
    echo "dist/build-binaries.sh: needs $1 (apt-get install $2)" >&2
    exit 1
  fi
}
add_target() {
  rustup target list --installed | grep -qx "$1" || rustup target add "$1"
}

for which in "${which_ones[@]}"; do
  case "$which" in
    linux)
      triple=x86_64-unknown-linux-musl
      need musl-gcc musl-tools
      features=(--features mimalloc)
      binary="$target_dir/$triple/dist/mediascrub"
      ;;
    windows)
      triple=x86_64-pc-windows-gnu
      need x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
      features=()
      binary="$target_dir/$triple/dist/mediascrub.exe"
      ;;
    *)
      echo "dist/build-binaries.sh: linux or windows, not $which" >&2
      exit 2
      ;;
  esac
  add_target "$triple"
  start=$(date +%s)
  "${nice_cmd[@]}" cargo build --locked --profile dist -p mediascrub-cli --target "$triple" "${features[@]}"
  seconds=$(($(date +%s) - start))
  size=$(wc -c <"$binary")
  sum=$(sha256sum "$binary" | cut -d' ' -f1)
  echo "$triple: $binary, $size bytes, sha256 $sum, built in ${seconds} s"
done
