//! TIFF, BigTIFF and DNG files built by hand (not by the writer under
//! test), cleaned, and read back.

use crate::container::tiff::ifd::Tiff as Reader;
use crate::container::tiff::{tags, ByteOrder};
use crate::error::{Error, Malformation};
use crate::finding::{Category, Fate};
use crate::limits::Limits;
use crate::policy::Policy;
use crate::Format;

const SHORT: u16 = 3;
const LONG: u16 = 4;
const ASCII: u16 = 2;
const UNDEFINED: u16 = 7;
const RATIONAL: u16 = 5;
const BYTE: u16 = 1;

/// One entry: tag, type, count, value bytes in the file's byte order.
#[derive(Clone)]
struct E {
    tag: u16,
    kind: u16,
    count: u64,
    data: Vec<u8>,
}

/// Appends TIFF pieces by hand.
struct B {
    order: ByteOrder,
    big: bool,
    bytes: Vec<u8>,
}

impl B {
    fn new(order: ByteOrder, big: bool) -> B {
        let mut bytes = order.mark().to_vec();
        if big {
            bytes.extend_from_slice(&order.u16_bytes(43));
            bytes.extend_from_slice(&order.u16_bytes(8));
            bytes.extend_from_slice(&order.u16_bytes(0));
            bytes.extend_from_slice(&order.u64_bytes(0));
        } else {
            bytes.extend_from_slice(&order.u16_bytes(42));
            bytes.extend_from_slice(&order.u32_bytes(0));
        }
        B { order, big, bytes }
    }

    fn off(&self, v: u64) -> Vec<u8> {
        if self.big {
            self.order.u64_bytes(v).to_vec()
        } else {
            self.order.u32_bytes(v as u32).to_vec()
        }
    }

    fn align(&mut self) {
        if self.bytes.len() % 2 == 1 {
            self.bytes.push(0);
        }
    }

    /// Append raw bytes (strip data); returns their offset.
    fn blob(&mut self, data: &[u8]) -> u64 {
        self.align();
        let at = self.bytes.len() as u64;
        self.bytes.extend_from_slice(data);
        at
    }

    fn short(&self, tag: u16, v: u16) -> E {
        E {
            tag,
            kind: SHORT,
            count: 1,
            data: self.order.u16_bytes(v).to_vec(),
        }
    }

    fn long(&self, tag: u16, v: u32) -> E {
        self.longs(tag, &[v])
    }

    fn longs(&self, tag: u16, v: &[u32]) -> E {
        let data = v.iter().flat_map(|v| self.order.u32_bytes(*v)).collect();
        E {
            tag,
            kind: LONG,
            count: v.len() as u64,
            data,
        }
    }

    fn ascii(&self, tag: u16, s: &str) -> E {
        let mut data = s.as_bytes().to_vec();
        data.push(0);
        E {
            tag,
            kind: ASCII,
            count: data.len() as u64,
            data,
        }
    }

    fn bytes(&self, tag: u16, kind: u16, data: &[u8]) -> E {
        E {
            tag,
            kind,
            count: data.len() as u64,
            data: data.to_vec(),
        }
    }

    fn rational(&self, tag: u16, n: u32, d: u32) -> E {
        let mut data = self.order.u32_bytes(n).to_vec();
        data.extend_from_slice(&self.order.u32_bytes(d));
        E {
            tag,
            kind: RATIONAL,
            count: 1,
            data,
        }
    }

    /// Append an IFD (entries sorted by the caller) and its values;
    /// returns its offset. `next` is patched later with [`B::link`].
    fn ifd(&mut self, entries: &[E]) -> u64 {
        self.align();
        let at = self.bytes.len() as u64;
        let (entry_len, count_len, width) = if self.big { (20, 8, 8) } else { (12, 2, 4) };
        let table_len = count_len + entries.len() * entry_len + width;
        let mut values_at = at as usize + table_len;
        let mut table = Vec::new();
        let mut values = Vec::new();
        if self.big {
            table.extend_from_slice(&self.order.u64_bytes(entries.len() as u64));
        } else {
            table.extend_from_slice(&self.order.u16_bytes(entries.len() as u16));
        }
        for e in entries {
            table.extend_from_slice(&self.order.u16_bytes(e.tag));
            table.extend_from_slice(&self.order.u16_bytes(e.kind));
            table.extend_from_slice(&self.off(e.count));
            if e.data.len() <= width {
                let mut field = e.data.clone();
                field.resize(width, 0);
                table.extend_from_slice(&field);
            } else {
                if values_at % 2 == 1 {
                    values.push(0);
                    values_at += 1;
                }
                table.extend_from_slice(&self.off(values_at as u64));
                values.extend_from_slice(&e.data);
                values_at += e.data.len();
            }
        }
        table.extend_from_slice(&self.off(0));
        self.bytes.extend_from_slice(&table);
        self.bytes.extend_from_slice(&values);
        at
    }

    /// Point the header (`from == None`) or an IFD's next field at `to`.
    fn link(&mut self, from: Option<u64>, to: u64) {
        let field = match from {
            None => {
                if self.big {
                    8
                } else {
                    4
                }
            }
            Some(at) => {
                let at = at as usize;
                let (entry_len, count_len) = if self.big { (20, 8) } else { (12, 2) };
                let count = if self.big {
                    self.order.u64(self.bytes[at..at + 8].try_into().unwrap()) as usize
                } else {
                    self.order.u16(self.bytes[at..at + 2].try_into().unwrap()) as usize
                };
                at + count_len + count * entry_len
            }
        };
        let bytes = self.off(to);
        self.bytes[field..field + bytes.len()].copy_from_slice(&bytes);
    }

    /// Structure tags of an 8x2 grey image in one strip at `strip`.
    fn grey(&self, strip: u64, extra: &[E]) -> Vec<E> {
        let mut entries = vec![
            self.long(tags::IMAGE_WIDTH, 8),
            self.long(tags::IMAGE_LENGTH, 2),
            self.short(tags::BITS_PER_SAMPLE, 8),
            self.short(tags::COMPRESSION, 1),
            self.short(tags::PHOTOMETRIC_INTERPRETATION, 1),
            self.long(tags::STRIP_OFFSETS, strip as u32),
            self.short(tags::SAMPLES_PER_PIXEL, 1),
            self.long(tags::ROWS_PER_STRIP, 2),
            self.long(tags::STRIP_BYTE_COUNTS, 16),
            self.rational(tags::X_RESOLUTION, 72, 1),
            self.rational(tags::Y_RESOLUTION, 72, 1),
            self.short(tags::RESOLUTION_UNIT, 2),
        ];
        entries.extend_from_slice(extra);
        entries.sort_by_key(|e| e.tag);
        entries
    }
}

const PIXELS: &[u8; 16] = b"PIXELDATA0123456";
const PREVIEW: &[u8; 16] = b"previewpixels!!!";

fn plan(src: &[u8], policy: &Policy) -> crate::Result<crate::Inspection> {
    crate::formats::inspect_for_test(Format::Tiff, &src, policy)
}

/// Clean under `policy`, check the output re-parses with only kept
/// findings and holds none of the removed values' needles.
fn clean_with(input: &[u8], policy: &Policy) -> (Vec<u8>, crate::Inspection) {
    let inspection = plan(input, policy).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    let again = plan(&out, policy).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
    let mut scanner = crate::verify::LeakScanner::new(&inspection.findings);
    scanner.feed(&out);
    scanner.finish().unwrap();
    (out, inspection)
}

fn clean(input: &[u8]) -> (Vec<u8>, crate::Inspection) {
    clean_with(input, &Policy::default())
}

/// Tags of every IFD of the IFD0 chain of `bytes`.
fn chain_tags(bytes: &[u8]) -> Vec<Vec<u16>> {
    let tiff = Reader::open(&bytes, 0, bytes.len() as u64, Limits::default().tiff).unwrap();
    let first = tiff.header().first_ifd;
    let mut visited = Default::default();
    tiff.read_chain(first, &mut visited)
        .unwrap()
        .iter()
        .map(|ifd| ifd.entries.iter().map(|e| e.tag).collect())
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A one-page TIFF with text metadata, an Exif IFD and a GPS IFD.
fn dirty(order: ByteOrder, big: bool) -> Vec<u8> {
    let mut b = B::new(order, big);
    let strip = b.blob(PIXELS);
    let exif = b.ifd(&[
        b.ascii(tags::DATE_TIME_ORIGINAL, "2021:03:04 05:06:07"),
        b.ascii(tags::BODY_SERIAL_NUMBER, "MSCRUB-SN-0042"),
    ]);
    let gps = b.ifd(&[
        b.bytes(1, ASCII, b"N\0"),
        b.bytes(2, RATIONAL, &{
            let mut v = Vec::new();
            for (n, d) in [(59u32, 1u32), (26, 1), (1234, 100)] {
                v.extend_from_slice(&order.u32_bytes(n));
                v.extend_from_slice(&order.u32_bytes(d));
            }
            v
        }),
    ]);
    let extra = [
        b.ascii(tags::MAKE, "PlantedCam"),
        b.ascii(tags::MODEL, "Model-X 9000"),
        b.ascii(tags::ARTIST, "Jane Planted"),
        b.ascii(tags::DATE_TIME, "2021:03:04 05:06:07"),
        b.short(tags::ORIENTATION, 6),
        b.bytes(
            tags::XMP,
            BYTE,
            b"<x:xmpmeta><dc:creator>Jane Planted</dc:creator></x:xmpmeta>",
        ),
        b.long(tags::EXIF_IFD, exif as u32),
        b.long(tags::GPS_IFD, gps as u32),
        b.bytes(0xBB94, UNDEFINED, b"secret-private-tag"),
        b.longs(tags::MODEL_TIEPOINT, &[1, 2, 3, 4, 5, 6]),
    ];
    let entries = b.grey(strip, &extra);
    let ifd0 = b.ifd(&entries);
    b.link(None, ifd0);
    b.bytes
}

#[test]
fn cleans_every_byte_order_and_flavour() {
    for (order, big) in [
        (ByteOrder::Little, false),
        (ByteOrder::Big, false),
        (ByteOrder::Little, true),
        (ByteOrder::Big, true),
    ] {
        let input = dirty(order, big);
        let (out, inspection) = clean(&input);
        assert_eq!(&out[..2], &order.mark());
        assert_eq!(out[2..4], order.u16_bytes(if big { 43 } else { 42 }));
        let kept = &chain_tags(&out)[0];
        assert!(kept.contains(&tags::ORIENTATION));
        for gone in [
            tags::MAKE,
            tags::ARTIST,
            tags::XMP,
            tags::EXIF_IFD,
            tags::GPS_IFD,
            0xBB94,
        ] {
            assert!(!kept.contains(&gone), "{gone} kept");
        }
        assert!(contains(&out, PIXELS));
        for secret in [
            &b"Jane"[..],
            b"PlantedCam",
            b"MSCRUB-SN",
            b"2021:03",
            b"secret-private",
        ] {
            assert!(!contains(&out, secret));
        }
        let has = |category, field: &str| {
            inspection
                .findings
                .iter()
                .any(|f| f.category == category && f.field.contains(field))
        };
        assert!(
            has(Category::Location, "GPS position"),
            "{:?}",
            inspection.findings
        );
        assert!(has(Category::Location, "GeoTIFF"));
        assert!(has(Category::Device, "Body serial number"));
        assert!(has(Category::Identity, "Artist"));
        assert!(has(Category::Other, "Tag 0xBB94"));
        // Unknown tags, and only they, are structures the tool does not
        // understand: a strict policy refuses the file for them.
        let unknown: Vec<&str> = inspection
            .unknown_blocks()
            .map(|f| f.field.as_str())
            .collect();
        assert!(unknown.contains(&"Tag 0xBB94"), "{unknown:?}");
        assert!(
            unknown.iter().all(|f| f.starts_with("Tag 0x")),
            "{unknown:?}"
        );
    }
    let strict = Policy {
        refuse_unknown: true,
        ..Policy::default()
    };
    let input = dirty(ByteOrder::Little, false);
    let err = crate::clean(input.as_slice(), &strict).unwrap_err();
    assert!(
        matches!(&err, crate::Error::UnknownBlocks { first, .. } if first.contains("Tag 0xBB94")),
        "{err}"
    );
}

#[test]
fn keeping_nothing_drops_orientation() {
    let input = dirty(ByteOrder::Little, false);
    let (out, _) = clean_with(&input, &Policy::keep_nothing());
    assert!(!chain_tags(&out)[0].contains(&tags::ORIENTATION));
}

#[test]
fn keeps_pages_in_order_and_drops_previews_and_sub_ifds() {
    let mut b = B::new(ByteOrder::Little, false);
    let one = b.blob(PIXELS);
    let small = b.blob(PREVIEW);
    let two = b.blob(b"SECONDPAGEPIXELS");
    let sub = b.ifd(&b.grey(small, &[b.long(tags::NEW_SUBFILE_TYPE, 1)]));
    let page1 = b.ifd(&b.grey(
        one,
        &[
            b.long(tags::NEW_SUBFILE_TYPE, 2),
            b.long(tags::SUB_IFDS, sub as u32),
        ],
    ));
    let preview = b.ifd(&b.grey(small, &[b.long(tags::NEW_SUBFILE_TYPE, 1)]));
    let page2 = b.ifd(&b.grey(two, &[b.long(tags::NEW_SUBFILE_TYPE, 2)]));
    b.link(None, page1);
    b.link(Some(page1), preview);
    b.link(Some(preview), page2);
    let (out, inspection) = clean(&b.bytes);
    let chain = chain_tags(&out);
    assert_eq!(chain.len(), 2);
    assert!(chain.iter().all(|tags| !tags.contains(&tags::SUB_IFDS)));
    let first = out.windows(16).position(|w| w == PIXELS).unwrap();
    let second = out
        .windows(16)
        .position(|w| w == b"SECONDPAGEPIXELS")
        .unwrap();
    assert!(first < second);
    assert!(!contains(&out, PREVIEW));
    let previews = inspection
        .findings
        .iter()
        .filter(|f| f.category == Category::Embedded)
        .count();
    assert_eq!(previews, 2, "{:?}", inspection.findings);
}

#[test]
fn keeps_tiles() {
    let mut b = B::new(ByteOrder::Big, false);
    let t1 = b.blob(PIXELS);
    let t2 = b.blob(b"TILE-TWO-PIXELS!");
    let mut entries = vec![
        b.long(tags::IMAGE_WIDTH, 32),
        b.long(tags::IMAGE_LENGTH, 16),
        b.short(tags::BITS_PER_SAMPLE, 8),
        b.short(tags::COMPRESSION, 1),
        b.short(tags::PHOTOMETRIC_INTERPRETATION, 1),
        b.long(tags::TILE_WIDTH, 16),
        b.long(tags::TILE_LENGTH, 16),
        b.longs(tags::TILE_OFFSETS, &[t1 as u32, t2 as u32]),
        b.longs(tags::TILE_BYTE_COUNTS, &[16, 16]),
        b.ascii(tags::SOFTWARE, "PlantedSoft 1.0"),
    ];
    entries.sort_by_key(|e| e.tag);
    let ifd = b.ifd(&entries);
    b.link(None, ifd);
    let (out, _) = clean(&b.bytes);
    assert!(contains(&out, PIXELS) && contains(&out, b"TILE-TWO-PIXELS!"));
    assert!(!contains(&out, b"PlantedSoft"));
    assert!(chain_tags(&out)[0].contains(&tags::TILE_OFFSETS));
}

/// A DNG: IFD0 a thumbnail with the DNG tags and the camera's names,
/// SubIFD0 the raw CFA image.
fn dng() -> Vec<u8> {
    let mut b = B::new(ByteOrder::Little, false);
    let raw = b.blob(PIXELS);
    let thumb = b.blob(PREVIEW);
    let mut raw_entries = vec![
        b.long(tags::NEW_SUBFILE_TYPE, 0),
        b.long(tags::IMAGE_WIDTH, 4),
        b.long(tags::IMAGE_LENGTH, 2),
        b.short(tags::BITS_PER_SAMPLE, 16),
        b.short(tags::COMPRESSION, 1),
        b.short(tags::PHOTOMETRIC_INTERPRETATION, 32803),
        b.long(tags::STRIP_OFFSETS, raw as u32),
        b.short(tags::SAMPLES_PER_PIXEL, 1),
        b.long(tags::ROWS_PER_STRIP, 2),
        b.long(tags::STRIP_BYTE_COUNTS, 16),
        E {
            tag: tags::CFA_REPEAT_PATTERN_DIM,
            kind: SHORT,
            count: 2,
            data: vec![2, 0, 2, 0],
        },
        b.bytes(tags::CFA_PATTERN, BYTE, &[0, 1, 1, 2]),
        b.long(50717, 4095),
    ];
    raw_entries.sort_by_key(|e| e.tag);
    let sub = b.ifd(&raw_entries);
    let extra = [
        b.long(tags::NEW_SUBFILE_TYPE, 1),
        b.ascii(tags::MAKE, "PlantedCam"),
        b.short(tags::ORIENTATION, 1),
        b.long(tags::SUB_IFDS, sub as u32),
        b.bytes(tags::DNG_VERSION, BYTE, &[1, 4, 0, 0]),
        b.ascii(tags::UNIQUE_CAMERA_MODEL, "PlantedCam Model-X"),
        b.ascii(tags::CAMERA_SERIAL_NUMBER, "MSCRUB-SN-0042"),
        E {
            tag: 50721,
            kind: 10,
            count: 9,
            data: vec![1; 72],
        },
        b.bytes(tags::DNG_PRIVATE_DATA, BYTE, b"Adobe\0MakN-serial-MSCRUB"),
    ];
    let entries = b.grey(thumb, &extra);
    let ifd0 = b.ifd(&entries);
    b.link(None, ifd0);
    b.bytes
}

#[test]
fn dng_keeps_the_raw_image_with_neutral_camera_model() {
    let (out, inspection) = clean(&dng());
    let chain = chain_tags(&out);
    assert_eq!(chain.len(), 1);
    let kept = &chain[0];
    for tag in [
        tags::DNG_VERSION,
        tags::UNIQUE_CAMERA_MODEL,
        tags::CFA_PATTERN,
        50717,
        50721,
    ] {
        assert!(kept.contains(&tag), "{tag} missing");
    }
    for tag in [
        tags::MAKE,
        tags::CAMERA_SERIAL_NUMBER,
        tags::DNG_PRIVATE_DATA,
        tags::SUB_IFDS,
    ] {
        assert!(!kept.contains(&tag), "{tag} kept");
    }
    assert!(contains(&out, PIXELS));
    assert!(!contains(&out, PREVIEW));
    assert!(contains(&out, b"Camera\0"));
    assert!(!contains(&out, b"PlantedCam"));
    let replaced = inspection
        .findings
        .iter()
        .find(|f| f.field == "Unique camera model")
        .unwrap();
    assert_eq!(replaced.fate, Fate::Replaced);
}

#[test]
fn refuses_loops_and_overruns() {
    let mut b = B::new(ByteOrder::Little, false);
    let strip = b.blob(PIXELS);
    let ifd0 = b.ifd(&b.grey(strip, &[]));
    b.link(None, ifd0);
    b.link(Some(ifd0), ifd0);
    let err = plan(&b.bytes, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Loop), "{err}");

    let mut b = B::new(ByteOrder::Big, true);
    let strip = b.blob(PIXELS);
    let mut entries = b.grey(strip, &[]);
    for e in &mut entries {
        if e.tag == tags::STRIP_BYTE_COUNTS {
            *e = b.long(tags::STRIP_BYTE_COUNTS, 1 << 20);
        }
    }
    let ifd0 = b.ifd(&entries);
    b.link(None, ifd0);
    let err = plan(&b.bytes, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
}

#[test]
fn refuses_strips_that_overlap_metadata() {
    let mut b = B::new(ByteOrder::Little, false);
    let artist = b.blob(b"Jane Planted, 1 Main Street\0");
    // The strip is the Artist string itself.
    let mut entries = b.grey(artist, &[]);
    entries.push(E {
        tag: tags::ARTIST,
        kind: ASCII,
        count: 28,
        data: b.off(artist),
    });
    entries.sort_by_key(|e| e.tag);
    // ASCII of 28 bytes is out of line: the builder would copy `data`, so
    // write the entry by hand pointing at the blob.
    let ifd0 = b.ifd(&entries);
    b.link(None, ifd0);
    let err = plan(&b.bytes, &Policy::default());
    assert!(
        err.is_err(),
        "a strip copying removed metadata was accepted"
    );
}

#[test]
fn refuses_camera_raw_and_vendor_headers_by_name() {
    let mut b = B::new(ByteOrder::Little, false);
    let strip = b.blob(PIXELS);
    let raw = b.ifd(
        &b.grey(strip, &[])
            .into_iter()
            .map(|e| {
                if e.tag == tags::PHOTOMETRIC_INTERPRETATION {
                    b.short(e.tag, 32803)
                } else {
                    e
                }
            })
            .collect::<Vec<_>>(),
    );
    let ifd0 = b.ifd(&b.grey(
        strip,
        &[
            b.ascii(tags::MAKE, "NIKON CORPORATION"),
            b.long(tags::SUB_IFDS, raw as u32),
        ],
    ));
    b.link(None, ifd0);
    let err = plan(&b.bytes, &Policy::default()).unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("Nikon NEF")),
        "{err}"
    );

    for (head, name) in [
        (&b"IIRO\x08\0\0\0"[..], "Olympus ORF"),
        (b"IIU\0\x18\0\0\0", "Panasonic RW2"),
    ] {
        let err = plan(head, &Policy::default()).unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported(m) if m.contains(name)),
            "{err}"
        );
    }
}

#[test]
fn refuses_jpeg_strips_carrying_app_segments() {
    let mut b = B::new(ByteOrder::Little, false);
    let jpeg = [
        &[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x0A][..],
        b"Jane!!\0\0",
        &[
            0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0xFF, 0xD9,
        ],
    ]
    .concat();
    let strip = b.blob(&jpeg);
    let entries: Vec<E> = b
        .grey(strip, &[])
        .into_iter()
        .map(|e| match e.tag {
            tags::COMPRESSION => b.short(e.tag, 7),
            tags::STRIP_BYTE_COUNTS => b.long(e.tag, jpeg.len() as u32),
            _ => e,
        })
        .collect();
    let ifd0 = b.ifd(&entries);
    b.link(None, ifd0);
    let err = plan(&b.bytes, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Unaccounted), "{err}");
}

#[test]
fn refuses_a_file_of_previews_only() {
    let mut b = B::new(ByteOrder::Little, false);
    let strip = b.blob(PREVIEW);
    let ifd0 = b.ifd(&b.grey(strip, &[b.long(tags::NEW_SUBFILE_TYPE, 1)]));
    b.link(None, ifd0);
    assert!(plan(&b.bytes, &Policy::default()).is_err());
}

#[test]
fn opcode_lists_must_be_exact() {
    let mut list = 1u32.to_be_bytes().to_vec();
    for word in [1u32, 0x0103_0000, 0, 4, 7] {
        list.extend_from_slice(&word.to_be_bytes());
    }
    assert!(super::check::opcode_list(&list, 0).is_ok());
    list.push(0);
    assert!(super::check::opcode_list(&list, 0).is_err());
    assert!(super::check::opcode_list(&[0, 0, 0, 9], 0).is_err());
}
