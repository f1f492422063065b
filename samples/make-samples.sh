#!/usr/bin/env bash
# Regenerates the sample files in this folder: small photos and videos with
# planted metadata (GPS, serial numbers, names, dates, software, thumbnails,
# trailers, telemetry-like subtitles, attachments). Needs ffmpeg, exiftool,
# cwebp (Debian: webp) and cjxl (Debian: libjxl-tools); python3 (standard
# library only) writes the audio tags ffmpeg cannot.
# The values planted are listed in README.md; tests look for them.
set -euo pipefail
cd "$(dirname "$0")"
command -v ffmpeg >/dev/null || { echo "ffmpeg is required" >&2; exit 1; }
command -v exiftool >/dev/null || { echo "exiftool is required" >&2; exit 1; }
command -v cwebp >/dev/null || { echo "cwebp is required (Debian: apt-get install webp)" >&2; exit 1; }
command -v cjxl >/dev/null || { echo "cjxl is required (Debian: apt-get install libjxl-tools)" >&2; exit 1; }
command -v opj_compress >/dev/null || { echo "opj_compress is required (Debian: apt-get install libopenjp2-tools)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
et() { exiftool -q -q -overwrite_original "$@"; }

LAT=59.4370 LON=24.7536 ALT=19
SERIAL=MSCRUB-SN-0042 OWNER="Jane Planted" MAKE=PlantedCam MODEL="PC-1 Mark II"
SOFT="PlantedSoft 9.9" DATE="2024:05:06 07:08:09"

rm -f ./*.jpg ./*.png ./*.gif ./*.webp ./*.jxl ./*.jp2 ./*.tif ./*.heic ./*.mp4 ./*.mov ./*.mkv ./*.webm ./*.avi ./.hidden-*.jpg
rm -f ./*.mp3 ./*.wav ./*.flac ./*.ogg ./*.opus
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

# --- audio ----------------------------------------------------------------
# One-second tones. ffmpeg writes the common tags; audio-tags.py adds what
# it cannot (ID3 GEOB, APEv2, a bext UMID and coding history are ffmpeg's;
# iXML, an `id3 ` chunk in WAV, an ID3v2 tag before a FLAC stream, cover
# art in Ogg).
cat > "$work/audio-tags.py" <<'EOF'
import base64, struct, sys

def syncsafe(n):
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])

def frame(fid, body, v4=True):
    size = syncsafe(len(body)) if v4 else struct.pack(">I", len(body))
    return fid + size + b"\0\0" + body

def id3v23(frames):
    body = b"".join(frames)
    return b"ID3\x03\0\0" + syncsafe(len(body)) + body

def ape(items):
    body = b"".join(struct.pack("<II", len(v), 0) + k + b"\0" + v for k, v in items)
    def edge(header):
        flags = (1 << 31) | ((1 << 29) if header else 0)
        return b"APETAGEX" + struct.pack("<IIII", 2000, len(body) + 32, len(items), flags) + b"\0" * 8
    return edge(True) + body + edge(False)

def chunk(cid, body):
    return cid + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")

def flac_picture(mime, description, image):
    out = struct.pack(">I", 3) + struct.pack(">I", len(mime)) + mime
    out += struct.pack(">I", len(description)) + description
    out += struct.pack(">IIIII", 64, 64, 24, 0, len(image)) + image
    return out

what, path = sys.argv[1], sys.argv[2]
owner, serial = b"Jane Planted", b"MSCRUB-SN-0042"
data = open(path, "rb").read()
if what == "mp3":
    # A GEOB frame in ffmpeg's ID3v2.4 tag, an APEv2 tag before its ID3v1.
    assert data[:3] == b"ID3" and data[3] == 4
    size = sum(b << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    frames, rest = data[10:10 + size].rstrip(b"\0"), data[10 + size:]
    geob = frame(b"GEOB", b"\0application/octet-stream\0" + owner + b" notes.txt\0field notes\0"
                 + b"recorded by " + owner + b" near Tallinn, " + serial)
    frames += geob
    tag = b"ID3\x04\0\0" + syncsafe(len(frames)) + frames
    assert rest[-128:-125] == b"TAG"
    apetag = ape([(b"Artist", owner), (b"Comment", b"serial " + serial),
                  (b"Year", b"2024-05-06")])
    data = tag + rest[:-128] + apetag + rest[-128:]
elif what == "wav":
    # iXML (location, recorder file id, notes) and an `id3 ` chunk.
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    ixml = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><BWFXML><IXML_VERSION>2.10</IXML_VERSION>"
            b"<PROJECT>Harbour interview</PROJECT><SCENE>1</SCENE><TAKE>2</TAKE>"
            b"<NOTE>recorded by " + owner + b", serial " + serial + b"</NOTE>"
            b"<FILE_UID>" + serial + b"-0001</FILE_UID>"
            b"<LOCATION><LOCATION_NAME>Tallinn harbour</LOCATION_NAME>"
            b"<LOCATION_GPS>59.4370, 24.7536</LOCATION_GPS><LOCATION_ALTITUDE>19</LOCATION_ALTITUDE>"
            b"</LOCATION></BWFXML>")
    tpe1 = frame(b"TPE1", b"\0" + owner, v4=False)
    tcom = frame(b"TCOM", b"\0" + owner, v4=False)
    body = data[12:] + chunk(b"iXML", ixml) + chunk(b"id3 ", id3v23([tpe1, tcom]))
    data = b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body
elif what == "flac":
    # An ID3v2.3 tag before the stream (some taggers write one).
    data = id3v23([frame(b"TPE1", b"\0" + owner, v4=False),
                   frame(b"TDAT", b"\x000605", v4=False)]) + data
elif what == "picture":
    # Print a METADATA_BLOCK_PICTURE value for an Ogg comment.
    sys.stdout.write(base64.b64encode(flac_picture(b"image/jpeg", b"cover by " + owner, data)).decode())
    sys.exit(0)
open(path, "wb").write(data)
EOF
tone() { echo "sine=frequency=440:sample_rate=$1:duration=1"; }
audio_meta=(-metadata artist="$OWNER" -metadata composer="$OWNER" -metadata title="Harbour interview"
  -metadata date=2024-05-06 -metadata comment="recorded by $OWNER on $MODEL, serial $SERIAL"
  -metadata location="+$LAT+0$LON/")
ff -f lavfi -i testsrc=size=64x64:rate=1 -frames:v 1 -q:v 8 "$work/cover.jpg"
et -GPSLatitude=$LAT -GPSLatitudeRef=N -GPSLongitude=$LON -GPSLongitudeRef=E -Artist="$OWNER" "$work/cover.jpg"
# MP3: ID3v2.4 (artist, composer, date, comment, TXXX location, PRIV,
# cover art with GPS, GEOB), APEv2, ID3v1, and LAME's Info frame.
ff -f lavfi -i "$(tone 22050)" -i "$work/cover.jpg" -map 0:a -map 1:v -c:a libmp3lame -b:a 32k \
   -c:v copy -disposition:v attached_pic "${audio_meta[@]}" -metadata "id3v2_priv.$MAKE=$SERIAL" \
   -write_id3v1 1 audio-tags.mp3
python3 "$work/audio-tags.py" mp3 audio-tags.mp3
# Broadcast WAV: bext (originator, reference, origination date and time,
# time reference, UMID, a coding history naming the recorder and where),
# LIST INFO, iXML, an id3 chunk.
ff -f lavfi -i "$(tone 8000)" -c:a pcm_s16le -write_bext 1 "${audio_meta[@]}" \
   -metadata originator="$OWNER" -metadata originator_reference="USMSCRUB${SERIAL#MSCRUB-}" \
   -metadata origination_date=2024-05-06 -metadata origination_time=07:08:09 \
   -metadata time_reference=254016000 -metadata umid=0x060A2B340101010501010D4313000000C3E2B1A0 \
   -metadata coding_history="A=PCM,F=8000,W=16,M=mono,T=$MAKE $MODEL at $LAT $LON" audio-bwf.wav
python3 "$work/audio-tags.py" wav audio-bwf.wav
# FLAC: Vorbis comments, a PICTURE block (the cover with GPS), an ID3v2 tag
# before the stream.
ff -f lavfi -i "$(tone 16000)" -i "$work/cover.jpg" -map 0:a -map 1:v -c:a flac -c:v copy \
   -disposition:v attached_pic "${audio_meta[@]}" audio-tags.flac
python3 "$work/audio-tags.py" flac audio-tags.flac
# Ogg Opus and Ogg Vorbis: comment headers with cover art as
# METADATA_BLOCK_PICTURE.
picture="$(python3 "$work/audio-tags.py" picture "$work/cover.jpg")"
ff -f lavfi -i "$(tone 48000)" -c:a libopus -b:a 12k "${audio_meta[@]}" \
   -metadata METADATA_BLOCK_PICTURE="$picture" audio-tags.opus
ff -f lavfi -i "$(tone 22050)" -c:a libvorbis -q:a 0 "${audio_meta[@]}" \
   -metadata METADATA_BLOCK_PICTURE="$picture" audio-tags.ogg

ls -la . nested
