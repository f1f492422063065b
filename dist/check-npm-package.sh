#!/usr/bin/env bash
# Check that the npm tarball of wasm/pkg is complete and works once
# installed:
#
#   1. it holds every file package.json names (files, main, types,
#      exports), every file a packed module imports or starts as a Worker
#      (`from './x.js'`, `new URL('./x.js', import.meta.url)`), and the
#      licences;
#   2. installed into an empty project (from the tarball alone, nothing
#      fetched), Node imports it, loads the module and cleans
#      samples/photo-gps.jpg: the report lists the GPS position as removed,
#      exiftool reads nothing planted in the result, and, when
#      MEDIASCRUB_BIN names a CLI, the bytes are exactly what the CLI
#      writes for the same file.
#
# Usage: dist/check-npm-package.sh [TARBALL]
#   Without TARBALL, packs wasm/pkg (built by wasm/build.sh) into a
#   temporary folder first. Needs node, npm and exiftool.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
for tool in node npm exiftool; do
  command -v "$tool" >/dev/null || { echo "dist/check-npm-package.sh: needs $tool" >&2; exit 1; }
done
work=$(mktemp -d /tmp/mediascrub-npm.XXXXXX)
trap 'rm -rf "$work"' EXIT

tarball="${1:-}"
if [ -z "$tarball" ]; then
  (cd wasm/pkg && npm pack --silent --pack-destination "$work" >/dev/null)
  tarball=$(ls "$work"/mediascrub-*.tgz)
fi
tarball=$(realpath "$tarball")
echo "=== $tarball"

failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# 1. Contents.
mkdir "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked"
pkg="$work/unpacked/package"
(cd "$pkg" && find . -type f | sed 's|^\./||' | sort) >"$work/contents"
sed 's/^/  /' "$work/contents"
node --input-type=module - "$pkg" >"$work/wanted" <<'EOF'
import { readFileSync } from 'node:fs';
const pkg = JSON.parse(readFileSync(`${process.argv[2]}/package.json`));
const wanted = new Set([...pkg.files, pkg.main, pkg.types]);
const walk = (value) => {
  if (typeof value === 'string') wanted.add(value);
  else for (const v of Object.values(value)) walk(v);
};
walk(pkg.exports);
for (const file of wanted) console.log(file.replace(/^\.\//, ''));
EOF
for file in "$pkg"/*.js "$pkg"/*.mjs; do
  [ -e "$file" ] || continue
  grep -oE "(from|import)\s*\(?\s*'\./[^']+'|new URL\('\./[^']+'" "$file" |
    grep -oE "'\./[^']+'" | tr -d "'" | sed 's|^\./||' >>"$work/wanted" || true
done
echo LICENSE-MIT >>"$work/wanted"
echo LICENSE-APACHE >>"$work/wanted"
while IFS= read -r file; do
  grep -qxF "$file" "$work/contents" || fail "the tarball lacks $file"
done < <(sort -u "$work/wanted")
[ "$failed" = 0 ] && echo "PASS every file the package names or imports is in the tarball ($(sort -u "$work/wanted" | wc -l) files)"

# 2. Installed and used from Node.
mkdir "$work/project"
(cd "$work/project" && npm init -y >/dev/null &&
  npm install --no-audit --no-fund --offline "$tarball" >/dev/null)
cat >"$work/project/clean.mjs" <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';
import { initSync, clean } from 'mediascrub';

initSync({ module: readFileSync(new URL(import.meta.resolve('mediascrub/mediascrub_wasm_bg.wasm'))) });
const [input, output] = process.argv.slice(2);
const { bytes, report } = clean(readFileSync(input));
const gps = report.findings.find((f) => f.category === 'location' && f.fate === 'removed');
if (report.format !== 'jpeg' || !gps) {
  console.error('unexpected report', JSON.stringify(report));
  process.exit(1);
}
writeFileSync(output, bytes);
console.log(`${report.findings.length} findings; ${gps.field}: ${gps.value} removed`);
EOF
if (cd "$work/project" && node clean.mjs "$repo/samples/photo-gps.jpg" "$work/out.jpg"); then
  echo "PASS installed from the tarball, Node cleans samples/photo-gps.jpg with it"
  planted=$(exiftool -a -G1 -u -ee "$work/out.jpg" | grep -E "GPS|Jane Planted|MSCRUB-SN|PlantedCam|PlantedSoft" || true)
  if [ -n "$planted" ]; then fail "exiftool still reads: $planted"; else echo "PASS exiftool reads nothing planted in the result"; fi
  if [ -n "${MEDIASCRUB_BIN:-}" ]; then
    "$MEDIASCRUB_BIN" clean -q --no-sync -o "$work/cli.jpg" "$repo/samples/photo-gps.jpg" 2>/dev/null
    if cmp -s "$work/cli.jpg" "$work/out.jpg"; then
      echo "PASS the package's output is byte for byte the CLI's"
    else
      fail "the package's output differs from the CLI's"
    fi
  fi
else
  fail "Node could not clean samples/photo-gps.jpg with the installed package"
fi

[ "$failed" = 0 ] || { echo "dist/check-npm-package.sh: $failed failure(s)"; exit 1; }
echo "dist/check-npm-package.sh: the npm package is complete"
