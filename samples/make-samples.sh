#!/usr/bin/env bash
# Regenerates the sample files in this folder: small photos and videos with
# planted metadata (GPS, serial numbers, names, dates, software, thumbnails,
# trailers, telemetry-like subtitles, attachments). Needs ffmpeg, exiftool,
# cwebp (Debian: webp) and cjxl (Debian: libjxl-tools).
# The values planted are listed in README.md; tests look for them.
set -euo pipefail
cd "$(dirname "$0")"
command -v ffmpeg >/dev/null || { echo "ffmpeg is required" >&2; exit 1; }
command -v exiftool >/dev/null || { echo "exiftool is required" >&2; exit 1; }
command -v cwebp >/dev/null || { echo "cwebp is required (Debian: apt-get install webp)" >&2; exit 1; }
command -v cjxl >/dev/null || { echo "cjxl is required (Debian: apt-get install libjxl-tools)" >&2; exit 1; }
command -v opj_compress >/dev/null || { echo "opj_compress is required (Debian: apt-get install libopenjp2-tools)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
et() { exiftool -q -q -overwrite_original "$@"; }

LAT=59.4370 LON=24.7536 ALT=19
SERIAL=MSCRUB-SN-0042 OWNER="Jane Planted" MAKE=PlantedCam MODEL="PC-1 Mark II"
SOFT="PlantedSoft 9.9" DATE="2024:05:06 07:08:09"

rm -f ./*.jpg ./*.png ./*.gif ./*.webp ./*.jxl ./*.jp2 ./*.tif ./*.heic ./*.mp4 ./*.mov ./*.mkv ./*.webm ./*.avi ./.hidden-*.jpg
rm -rf nested

# --- photos -----------------------------------------------------------------
ff -f lavfi -i testsrc=size=320x240:rate=1 -frames:v 1 -q:v 3 "$work/base.jpg"
ff -f lavfi -i testsrc=size=80x60:rate=1 -frames:v 1 -q:v 5 "$work/thumb.jpg"

# A camera photo carrying everything: EXIF (GPS, serials, owner, dates,
# software, rotated orientation, IFD1 thumbnail), XMP, IPTC and a comment.
cp "$work/base.jpg" photo-gps.jpg
et -Make="$MAKE" -Model="$MODEL" -SerialNumber="$SERIAL" -BodySerialNumber="$SERIAL" \
   -LensSerialNumber=LENS-SN-7731 -OwnerName="$OWNER" -Artist="$OWNER" \
   -Copyright="(c) $OWNER" -Software="$SOFT" -DateTimeOriginal="$DATE" -CreateDate="$DATE" \
   -ModifyDate="$DATE" -ImageUniqueID=0123456789abcdef0123456789abcdef \
   -GPSLatitude=$LAT -GPSLatitudeRef=N -GPSLongitude=$LON -GPSLongitudeRef=E \
   -GPSAltitude=$ALT -GPSDateStamp=2024:05:06 -GPSTimeStamp=07:08:09 \
   -Orientation#=6 "-ThumbnailImage<=$work/thumb.jpg" \
   -XMP-dc:Creator="$OWNER" -XMP-xmp:CreatorTool="$SOFT" -XMP-photoshop:City=Tallinn \
   -IPTC:By-line="$OWNER" -IPTC:City=Tallinn -IPTC:Country-PrimaryLocationName=Estonia \
   -Comment="shot by $OWNER near the harbour" photo-gps.jpg

# A "motion photo": XMP pointing at a video appended after the image end.
ff -f lavfi -i testsrc=size=64x48:rate=10 -t 1 -c:v libx264 -pix_fmt yuv420p \
   -metadata location="+$LAT+0$LON/" "$work/motion.mp4"
cp "$work/base.jpg" motion-photo.jpg
et -XMP-GCamera:MicroVideo=1 -XMP-GCamera:MicroVideoOffset="$(stat -c %s "$work/motion.mp4")" \
   -GPSLatitude=$LAT -GPSLatitudeRef=N -GPSLongitude=$LON -GPSLongitudeRef=E motion-photo.jpg
cat "$work/motion.mp4" >> motion-photo.jpg

# A JPEG with a misleading name: formats are detected from content.
cp "$work/base.jpg" "$work/named.jpg"
et -Make="$MAKE" -Model="$MODEL" -SerialNumber="$SERIAL" "$work/named.jpg"
cp "$work/named.jpg" jpeg-named.png

# Hidden and nested files are cleaned too.
cp "$work/base.jpg" .hidden-photo.jpg
et -GPSLatitude=$LAT -GPSLatitudeRef=N -GPSLongitude=$LON -GPSLongitudeRef=E .hidden-photo.jpg
mkdir -p nested
cp "$work/base.jpg" nested/owner.jpg
et -OwnerName="$OWNER" -Artist="$OWNER" -DateTimeOriginal="$DATE" nested/owner.jpg

# --- PNG and GIF --------------------------------------------------------------
# A PNG carrying eXIf (GPS, serials, owner, dates, orientation 6: kept),
# XMP in iTXt, a tEXt comment naming the owner and a tIME chunk.
ff -f lavfi -i testsrc=size=160x120:rate=1 -frames:v 1 photo-gps.png
et -Make="$MAKE" -Model="$MODEL" -SerialNumber="$SERIAL" -BodySerialNumber="$SERIAL" \
   -LensSerialNumber=LENS-SN-7731 -OwnerName="$OWNER" -Artist="$OWNER" -Software="$SOFT" \
   -DateTimeOriginal="$DATE" -GPSLatitude=$LAT -GPSLatitudeRef=N -GPSLongitude=$LON \
   -GPSLongitudeRef=E -GPSAltitude=$ALT -Orientation#=6 \
   -XMP-dc:Creator="$OWNER" -XMP-xmp:CreatorTool="$SOFT" -XMP-photoshop:City=Tallinn \
   -PNG:Comment="made by $OWNER" -PNG:ModifyDate="$DATE" photo-gps.png

# An animated GIF (3 frames) with a comment extension and XMP.
ff -f lavfi -i testsrc=size=64x48:rate=5 -frames:v 3 animated.gif
et -Comment="animated by $OWNER, serial $SERIAL" -XMP-dc:Creator="$OWNER" \
   -XMP-xmp:CreatorTool="$SOFT" -XMP-photoshop:City=Tallinn animated.gif
# --- WebP and JPEG XL --------------------------------------------------------
ff -f lavfi -i testsrc=size=320x240:rate=1 -frames:v 1 "$work/base.png"
still_tags=(-Make="$MAKE" -Model="$MODEL" -SerialNumber="$SERIAL" -LensSerialNumber=LENS-SN-7731
  -OwnerName="$OWNER" -Artist="$OWNER" -Software="$SOFT" -DateTimeOriginal="$DATE"
  -GPSLatitude=$LAT -GPSLatitudeRef=N -GPSLongitude=$LON -GPSLongitudeRef=E
  -XMP-dc:Creator="$OWNER" -XMP-photoshop:City=Tallinn)
# Extended WebP (VP8X) with an EXIF chunk (GPS, serials, owner, software,
# orientation 6: kept as a minimal EXIF chunk) and an XMP chunk.
cwebp -quiet -q 80 "$work/base.png" -o photo-gps.webp
et "${still_tags[@]}" -Orientation#=6 photo-gps.webp
# JPEG XL: cjxl writes a bare codestream; exiftool wraps it in the ISO-BMFF
# container (-m accepts that) and adds Exif and xml boxes.
cjxl "$work/base.png" photo-gps.jxl -q 90 >/dev/null 2>&1
et -m "${still_tags[@]}" photo-gps.jxl
# JPEG 2000 (JP2): OpenJPEG writes its name in a codestream comment;
# exiftool adds Exif and XMP uuid boxes.
opj_compress -i "$work/base.png" -o photo-gps.jp2 >/dev/null
et "${still_tags[@]}" photo-gps.jp2

# --- TIFF -------------------------------------------------------------------
# A TIFF (ffmpeg writes it, LZW strips) with IFD0 make/model/artist/software/
# date, an Exif IFD (serials, owner, date), a GPS IFD, XMP and IPTC.
ff -f lavfi -i testsrc=size=160x120:rate=1 -frames:v 1 -compression_algo lzw photo-gps.tif
et -Make="$MAKE" -Model="$MODEL" -SerialNumber="$SERIAL" -BodySerialNumber="$SERIAL" \
   -LensSerialNumber=LENS-SN-7731 -OwnerName="$OWNER" -Artist="$OWNER" -Software="$SOFT" \
   -DateTimeOriginal="$DATE" -ModifyDate="$DATE" -GPSLatitude=$LAT -GPSLatitudeRef=N \
   -GPSLongitude=$LON -GPSLongitudeRef=E -GPSAltitude=$ALT -Orientation#=6 \
   -XMP-dc:Creator="$OWNER" -XMP-xmp:CreatorTool="$SOFT" -XMP-photoshop:City=Tallinn \
   -IPTC:By-line="$OWNER" -IPTC:City=Tallinn photo-gps.tif

# --- HEIF -------------------------------------------------------------------
# A HEIC (heif-enc from libheif-examples) with an Exif item (GPS, serials,
# owner, dates, software) and an XMP item naming the owner and the city.
if command -v heif-enc >/dev/null; then
  ff -f lavfi -i testsrc=size=160x120:rate=1 -frames:v 1 "$work/heif-base.png"
  heif-enc -q 60 -o photo-gps.heic "$work/heif-base.png" >/dev/null
  et -Make="$MAKE" -Model="$MODEL" -SerialNumber="$SERIAL" -BodySerialNumber="$SERIAL" \
     -OwnerName="$OWNER" -Artist="$OWNER" -Software="$SOFT" -DateTimeOriginal="$DATE" \
     -GPSLatitude=$LAT -GPSLatitudeRef=N -GPSLongitude=$LON -GPSLongitudeRef=E \
     -GPSAltitude=$ALT -XMP-dc:Creator="$OWNER" -XMP-xmp:CreatorTool="$SOFT" \
     -XMP-photoshop:City=Tallinn photo-gps.heic
else
  echo "heif-enc (libheif-examples) not found: photo-gps.heic not regenerated" >&2
fi

# --- videos -----------------------------------------------------------------
vsrc=(-f lavfi -i testsrc=size=160x120:rate=15 -f lavfi -i sine=frequency=440:sample_rate=22050)
meta=(-metadata title="Patrol $DATE" -metadata artist="$OWNER" -metadata comment="serial $SERIAL"
      -metadata creation_time=2024-05-06T07:08:09Z)

# Phone-style MP4, moov first (faststart), with an ISO 6709 location.
ff "${vsrc[@]}" -t 2 -c:v libx264 -pix_fmt yuv420p -c:a aac -b:a 32k "${meta[@]}" \
   -metadata location="+$LAT+0$LON+$ALT/" -movflags +faststart phone-faststart.mp4
# The same with moov after mdat (the default layout of most encoders).
ff "${vsrc[@]}" -t 2 -c:v libx264 -pix_fmt yuv420p -c:a aac -b:a 32k "${meta[@]}" \
   -metadata location="+$LAT+0$LON+$ALT/" moov-last.mp4
# Drone-style telemetry in a subtitle track: one GPS line per second.
{
  for i in 0 1; do
    printf '%d\n00:00:0%d,000 --> 00:00:0%d,000\nGPS (%s, %s, %s) F/2.8 ISO 100 %s\n\n' \
      $((i + 1)) "$i" $((i + 1)) "$LON" "$LAT" "$ALT" "$SERIAL"
  done
} > "$work/telemetry.srt"
ff "${vsrc[@]}" -i "$work/telemetry.srt" -t 2 -map 0 -map 1 -map 2 -c:v libx264 \
   -pix_fmt yuv420p -c:a aac -b:a 32k -c:s mov_text "${meta[@]}" drone-telemetry.mp4
# A rotated phone MOV (display matrix 90 degrees).
ff "${vsrc[@]}" -t 2 -c:v libx264 -pix_fmt yuv420p -c:a aac -b:a 32k "${meta[@]}" \
   -metadata make="$MAKE" -metadata model="$MODEL" \
   -f mov "$work/rotated.mov"
cp "$work/rotated.mov" rotated.mov
et -Keys:GPSCoordinates="$LAT, $LON, $ALT" -Keys:Make="$MAKE" -Keys:Model="$MODEL" \
   -Keys:Software="$SOFT" -Keys:CreationDate="$DATE" -Rotation=90 rotated.mov
# Matroska with tags, a named track, chapters and an attached photo with GPS.
printf ';FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle=Checkpoint near %s\n' \
  "$OWNER" > "$work/chapters.txt"
ff "${vsrc[@]}" -i "$work/chapters.txt" -t 2 -map 0 -map 1 -map_chapters 2 -c:v libx264 \
   -pix_fmt yuv420p -c:a libopus -b:a 32k "${meta[@]}" -metadata:s:v title="$MODEL camera" \
   -attach photo-gps.jpg -metadata:s:t mimetype=image/jpeg -metadata:s:t filename=cover.jpg \
   tagged.mkv
ff -f lavfi -i testsrc=size=160x120:rate=15 -t 2 -c:v libvpx -b:v 100k "${meta[@]}" tagged.webm
# Motion JPEG in QuickTime: each frame is the planted photo, Exif and all.
ff -framerate 5 -loop 1 -t 0.4 -i photo-gps.jpg -c:v copy -f mov mjpeg-frames.mov
# AVI with RIFF INFO tags.
ff "${vsrc[@]}" -t 2 -c:v mjpeg -q:v 6 -c:a pcm_s16le "${meta[@]}" \
   -metadata copyright="(c) $OWNER" -metadata date=2024-05-06 info.avi

ls -la . nested
