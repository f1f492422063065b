#!/usr/bin/env bash
# Copy the committed samples into the (git-ignored) fuzz corpora, one
# folder per target, chosen by content rather than by name. Never put files
# from ../shared/corpus or anything downloaded into the repository: the
# corpus folders are ignored on purpose.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
samples="$here/../samples"
corpus="$here/corpus"
targets=(jpeg png gif webp jxl jp2 tiff heif mp4 matroska avi mp3 wav flac ogg metadata clean scanner)
for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done
printf "\x02\x0eMSCRUB-SN-0042\x0cJane Planted\x05xxMSCRUB-SN-0042yy" > "$corpus/scanner/seed"

kind() { # print the target a file's magic bytes belong to
  local head
  head="$(head -c 12 "$1" | od -An -tx1 | tr -d ' \n')"
  case "$head" in
    ffd8ff*) echo jpeg ;;
    89504e470d0a1a0a*) echo png ;;
    474946383?61*) echo gif ;;
    49492a00*|4d4d002a*|49492b00*|4d4d002b*) echo tiff ;;
    1a45dfa3*) echo matroska ;;
    52494646????????41564920*) echo avi ;;
    52494646????????57454250*) echo webp ;;
    52494646????????57415645*|52463634????????57415645*|42573634????????57415645*) echo wav ;;
    664c6143*) echo flac ;;
    4f676753*) echo ogg ;;
    494433*) # ID3v2: MP3, or FLAC behind the tag
      if head -c 65536 "$1" | grep -aq fLaC; then echo flac; else echo mp3; fi ;;
    fff*|ffe*) echo mp3 ;;
    ff0a*|0000000c4a584c20*) echo jxl ;;
    0000000c6a502020*) echo jp2 ;;
    ????????66747970686569*|????????667479706d6966*|????????6674797061766966*) echo heif ;;
    ????????66747970*|????????6d6f6f76*|????????6d646174*) echo mp4 ;;
    *) echo none ;;
  esac
}

while IFS= read -r -d '' f; do
  k="$(kind "$f")"
  name="sample-$(basename "$f" | tr -c 'A-Za-z0-9._-' '_')"
  cp "$f" "$corpus/clean/$name"
  [ "$k" != none ] && cp "$f" "$corpus/$k/$name"
  if [ "$k" = jpeg ]; then cp "$f" "$corpus/metadata/$name"; fi
done < <(find "$samples" -type f ! -name '*.md' ! -name '*.sh' -print0)

# Small hand-made seeds: the smallest valid JPEG and bare container headers,
# so that short runs reach the parsers' inner loops quickly.
printf '\xff\xd8\xff\xfe\x00\x08hello!\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x12\x34\xff\xd9' \
  | tee "$corpus/jpeg/min.jpg" > "$corpus/clean/min.jpg"
printf 'MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00' > "$corpus/metadata/min.tiff"
printf '8BIM\x04\x04\x00\x00\x00\x00\x00\x0d\x1c\x02\x50\x00\x08Jane Doe\x00' > "$corpus/metadata/min.8bim"
# Audio: an ID3v2 tag before one MPEG frame header, a FLAC stream header,
# a WAV with fmt and data.
printf 'ID3\x04\x00\x00\x00\x00\x00\x0bTPE1\x00\x00\x00\x01\x00\x00\x03\xff\xfb\x90\xc4' > "$corpus/mp3/min.mp3"
printf 'fLaC\x80\x00\x00\x22\x10\x00\x10\x00\x00\x00\x00\x00\x00\x00\x0a\xc4\x40\xf0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xf8' > "$corpus/flac/min.flac"
printf 'RIFF\x28\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x04\x00\x00\x00\x01\x02\x03\x04' > "$corpus/wav/min.wav"
echo "seeded: $(for t in "${targets[@]}"; do printf '%s=%s ' "$t" "$(ls "$corpus/$t" | wc -l)"; done)"
