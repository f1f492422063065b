//! TIFF structures built by hand (independently of the writer), read back,
//! broken in the ways a hostile file would, and rewritten.

use std::ops::Range;

use super::ifd::{Entry, Link, Tiff, TiffLimits};
use super::write::{minimal_orientation, IfdWriter, WriteEntry, WriteIfd, WriteValue};
use super::{tags, ByteOrder, Header, Type};
use crate::error::Error;
use crate::plan::{Piece, Plan};

/// A hand-written entry: the value field is given raw (inline value bytes,
/// or an offset written with [`Builder::off`]).
struct RawEntry {
    tag: u16,
    kind: u16,
    count: u64,
    field: Vec<u8>,
}

/// Appends TIFF pieces by hand in one byte order and flavour.
struct Builder {
    order: ByteOrder,
    big: bool,
    bytes: Vec<u8>,
}

impl Builder {
    fn new(order: ByteOrder, big: bool) -> Self {
        Builder {
            order,
            big,
            bytes: Vec::new(),
        }
    }

    fn pos(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn u16(&self, v: u16) -> Vec<u8> {
        self.order.u16_bytes(v).to_vec()
    }

    fn u32(&self, v: u32) -> Vec<u8> {
        self.order.u32_bytes(v).to_vec()
    }

    /// An offset or count field of this flavour.
    fn off(&self, v: u64) -> Vec<u8> {
        if self.big {
            self.order.u64_bytes(v).to_vec()
        } else {
            self.u32(v as u32)
        }
    }

    fn header(&mut self, first: u64) {
        let mark = self.order.mark();
        self.bytes.extend_from_slice(&mark);
        if self.big {
            let rest = [self.u16(43), self.u16(8), self.u16(0), self.off(first)].concat();
            self.bytes.extend_from_slice(&rest);
        } else {
            let rest = [self.u16(42), self.off(first)].concat();
            self.bytes.extend_from_slice(&rest);
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// Size of an IFD with `n` entries.
    fn ifd_len(&self, n: usize) -> u64 {
        if self.big {
            8 + 20 * n as u64 + 8
        } else {
            2 + 12 * n as u64 + 4
        }
    }

    fn ifd(&mut self, entries: &[RawEntry], next: u64) {
        let width = if self.big { 8 } else { 4 };
        let count = if self.big {
            self.off(entries.len() as u64)
        } else {
            self.u16(entries.len() as u16)
        };
        self.raw(&count);
        for entry in entries {
            let mut field = entry.field.clone();
            field.resize(width, 0);
            let bytes = [
                self.u16(entry.tag),
                self.u16(entry.kind),
                self.off(entry.count),
                field,
            ]
            .concat();
            self.raw(&bytes);
        }
        let next = self.off(next);
        self.raw(&next);
    }

    fn short(&self, tag: u16, v: u16) -> RawEntry {
        RawEntry {
            tag,
            kind: 3,
            count: 1,
            field: self.u16(v),
        }
    }

    fn long(&self, tag: u16, v: u32) -> RawEntry {
        RawEntry {
            tag,
            kind: 4,
            count: 1,
            field: self.u32(v),
        }
    }

    /// An entry whose value is out of line at `offset`.
    fn at(&self, tag: u16, kind: u16, count: u64, offset: u64) -> RawEntry {
        RawEntry {
            tag,
            kind,
            count,
            field: self.off(offset),
        }
    }
}

// A `&Vec` because a `&[u8]` (unsized) cannot become the `&dyn Source`
// that `Tiff` holds.
#[allow(clippy::ptr_arg)]
fn open(bytes: &Vec<u8>) -> Tiff<'_> {
    Tiff::open(bytes, 0, bytes.len() as u64, TiffLimits::default()).unwrap()
}

fn is_malformed(err: &Error, needle: &str) -> bool {
    matches!(err, Error::Malformed { .. }) && err.to_string().contains(needle)
}

const MAKE: &[u8] = b"Secret Camera\0"; // 14 bytes, out of line
const DATE: &[u8] = b"2024:05:06 07:08:09\0";

/// A TIFF of 4×2 8-bit grey pixels in two one-row strips, with the
/// resolution (RATIONALs, out of line), a Make, an Exif IFD holding
/// DateTimeOriginal, and an IFD1 with one strip of a thumbnail. Returns the
/// bytes and the two strips' ranges.
fn two_strip_tiff(order: ByteOrder, big: bool) -> (Vec<u8>, [Range<u64>; 2]) {
    let mut b = Builder::new(order, big);
    let header_len = if big { 16 } else { 8 };
    // Layout: header, strips, values, IFD0, Exif IFD, IFD1.
    let strips = [header_len..header_len + 4, header_len + 4..header_len + 8];
    let make_at = header_len + 8;
    let res_at = make_at + MAKE.len() as u64;
    let date_at = res_at + 16;
    let ifd0_at = date_at + DATE.len() as u64;
    let ifd0_entries = 14;
    let exif_at = ifd0_at + b.ifd_len(ifd0_entries);
    let ifd1_at = exif_at + b.ifd_len(1);
    let thumb_strip = strips[0].start;

    b.header(ifd0_at);
    b.raw(&[10, 20, 30, 40, 50, 60, 70, 80]);
    b.raw(MAKE);
    let res = [b.u32(72), b.u32(1), b.u32(300), b.u32(2)].concat();
    b.raw(&res);
    b.raw(DATE);
    assert_eq!(b.pos(), ifd0_at);
    // A RATIONAL is out of line in classic TIFF, inline in BigTIFF.
    let rational = |b: &Builder, tag: u16, at: u64, value: &[u8]| {
        if big {
            RawEntry {
                tag,
                kind: 5,
                count: 1,
                field: value.to_vec(),
            }
        } else {
            b.at(tag, 5, 1, at)
        }
    };
    let strip_offsets = if big {
        // Two LONGs fit inline in BigTIFF.
        RawEntry {
            tag: tags::STRIP_OFFSETS,
            kind: 4,
            count: 2,
            field: [b.u32(strips[0].start as u32), b.u32(strips[1].start as u32)].concat(),
        }
    } else {
        // Classic: two LONGs are 8 bytes, out of line; use SHORTs inline.
        RawEntry {
            tag: tags::STRIP_OFFSETS,
            kind: 3,
            count: 2,
            field: [b.u16(strips[0].start as u16), b.u16(strips[1].start as u16)].concat(),
        }
    };
    let byte_counts = RawEntry {
        tag: tags::STRIP_BYTE_COUNTS,
        kind: 3,
        count: 2,
        field: [b.u16(4), b.u16(4)].concat(),
    };
    let entries = vec![
        b.long(tags::NEW_SUBFILE_TYPE, 0),
        b.short(tags::IMAGE_WIDTH, 4),
        b.short(tags::IMAGE_LENGTH, 2),
        b.short(tags::BITS_PER_SAMPLE, 8),
        b.short(tags::COMPRESSION, 1),
        b.short(tags::PHOTOMETRIC_INTERPRETATION, 1),
        b.at(tags::MAKE, 2, MAKE.len() as u64, make_at),
        strip_offsets,
        b.short(tags::SAMPLES_PER_PIXEL, 1),
        b.short(tags::ROWS_PER_STRIP, 1),
        byte_counts,
        rational(&b, tags::X_RESOLUTION, res_at, &res[..8]),
        rational(&b, tags::Y_RESOLUTION, res_at + 8, &res[8..]),
        b.long(tags::EXIF_IFD, exif_at as u32),
    ];
    assert_eq!(entries.len(), ifd0_entries);
    b.ifd(&entries, ifd1_at);
    let exif = [b.at(tags::DATE_TIME_ORIGINAL, 2, DATE.len() as u64, date_at)];
    b.ifd(&exif, 0);
    let ifd1 = [
        b.long(tags::NEW_SUBFILE_TYPE, 1),
        b.short(tags::IMAGE_WIDTH, 4),
        b.short(tags::IMAGE_LENGTH, 1),
        b.long(tags::STRIP_OFFSETS, thumb_strip as u32),
        b.long(tags::STRIP_BYTE_COUNTS, 4),
    ];
    b.ifd(&ifd1, 0);
    (b.bytes, strips)
}

#[test]
fn reads_classic_and_big_tiff_in_both_byte_orders() {
    for big in [false, true] {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let (bytes, strips) = two_strip_tiff(order, big);
            let tiff = open(&bytes);
            assert_eq!(tiff.header().order, order);
            assert_eq!(tiff.header().big, big);
            let tree = tiff.read_tree().unwrap();
            assert_eq!(tree.len(), 3, "IFD0, IFD1, Exif");
            let ifd0 = &tree[0].ifd;
            assert_eq!(tree[0].link, Link::Root);
            assert_eq!(tree[1].link, Link::Next { previous: 0 });
            assert_eq!(
                tree[2].link,
                Link::Sub {
                    parent: 0,
                    tag: tags::EXIF_IFD
                }
            );
            assert_eq!(tree[2].depth, 1);
            let width = ifd0.entry(tags::IMAGE_WIDTH).unwrap();
            assert_eq!(tiff.values_u64(width).unwrap(), vec![4]);
            let make = ifd0.entry(tags::MAKE).unwrap();
            assert_eq!(tiff.value_bytes(make, 100).unwrap(), MAKE);
            let xres = ifd0.entry(tags::X_RESOLUTION).unwrap();
            assert_eq!(xres.value_type(), Some(Type::Rational));
            let xres = tiff.value_bytes(xres, 8).unwrap();
            assert_eq!(xres, [order.u32_bytes(72), order.u32_bytes(1)].concat());
            let ranges = tiff
                .data_ranges(
                    ifd0.entry(tags::STRIP_OFFSETS).unwrap(),
                    ifd0.entry(tags::STRIP_BYTE_COUNTS).unwrap(),
                )
                .unwrap();
            assert_eq!(ranges, strips.to_vec());
            let date = tree[2].ifd.entry(tags::DATE_TIME_ORIGINAL).unwrap();
            assert_eq!(tiff.value_bytes(date, 100).unwrap(), DATE);
            // Values that do not fit a limit are refused, not truncated.
            assert!(matches!(
                tiff.value_bytes(date, 5),
                Err(Error::Limit { .. })
            ));
        }
    }
}

#[test]
fn offsets_count_from_the_embedded_header() {
    // As in a JPEG APP1 segment: the TIFF block starts after other bytes,
    // and a block that ends before the input does.
    let (tiff_bytes, strips) = two_strip_tiff(ByteOrder::Big, false);
    let prefix = b"\xFF\xD8\xFF\xE1\x00\x00Exif\0\0";
    let input = [&prefix[..], &tiff_bytes, b"trailing bytes"].concat();
    let base = prefix.len() as u64;
    let tiff = Tiff::open(&input, base, tiff_bytes.len() as u64, TiffLimits::default()).unwrap();
    assert_eq!(tiff.base(), base);
    let tree = tiff.read_tree().unwrap();
    assert_eq!(tree[0].ifd.offset, base + tiff.header().first_ifd);
    let ifd0 = &tree[0].ifd;
    let ranges = tiff
        .data_ranges(
            ifd0.entry(tags::STRIP_OFFSETS).unwrap(),
            ifd0.entry(tags::STRIP_BYTE_COUNTS).unwrap(),
        )
        .unwrap();
    assert_eq!(ranges[0], base + strips[0].start..base + strips[0].end);
    assert_eq!(
        &input[ranges[1].start as usize..ranges[1].end as usize],
        &[50, 60, 70, 80]
    );
    // A block claimed longer than the input is refused.
    assert!(Tiff::open(&input, base, input.len() as u64, TiffLimits::default()).is_err());
}

#[test]
fn bad_headers_are_refused() {
    for bytes in [
        &b"MM\0\x2a\0\0"[..],
        b"XX\0\x2a\0\0\0\x08",
        b"II\x2b\0\x04\0\0\0\0\0\0\0\0\0\0\0",
        b"MM\0\x2c\0\0\0\x08",
        b"II\x2b\0\x08\0\0\0\x10\0\0\0\0\0",
    ] {
        assert!(Header::read(&bytes, 0).is_err(), "{bytes:?}");
    }
}

/// A classic TIFF with IFDs at the given offsets (all on one page) whose
/// next pointers and sub-IFD pointers are given per IFD.
fn linked_ifds(order: ByteOrder, ifds: &[(u64, Option<u32>)]) -> Vec<u8> {
    let mut b = Builder::new(order, false);
    b.header(8);
    for (next, exif) in ifds {
        let mut entries = vec![b.short(tags::IMAGE_WIDTH, 1)];
        if let Some(exif) = exif {
            entries.push(b.long(tags::EXIF_IFD, *exif));
        }
        let mut with_pointer = entries;
        if with_pointer.len() == 1 {
            // Same size for every IFD: 2 entries.
            with_pointer.push(b.short(tags::IMAGE_LENGTH, 1));
        }
        b.ifd(&with_pointer, *next);
    }
    b.bytes
}

/// Offset of the `n`th IFD of [`linked_ifds`].
fn nth(n: u64) -> u64 {
    8 + n * (2 + 2 * 12 + 4)
}

#[test]
fn ifd_loops_end_in_an_error() {
    let order = ByteOrder::Little;
    // IFD0 pointing to itself.
    let bytes = linked_ifds(order, &[(nth(0), None)]);
    let err = open(&bytes).read_tree().unwrap_err();
    assert!(is_malformed(&err, "loop"), "{err}");
    // A chain cycle 0 → 1 → 2 → 1.
    let bytes = linked_ifds(order, &[(nth(1), None), (nth(2), None), (nth(1), None)]);
    let err = open(&bytes).read_tree().unwrap_err();
    assert!(is_malformed(&err, "loop"), "{err}");
    let mut visited = Default::default();
    let err = open(&bytes).read_chain(nth(0), &mut visited).unwrap_err();
    assert!(is_malformed(&err, "loop"), "{err}");
    // A sub-IFD pointing back to IFD0.
    let bytes = linked_ifds(order, &[(0, Some(nth(1) as u32)), (0, Some(nth(0) as u32))]);
    let err = open(&bytes).read_tree().unwrap_err();
    assert!(is_malformed(&err, "loop"), "{err}");
    // A sub-IFD pointing to itself.
    let bytes = linked_ifds(order, &[(0, Some(nth(1) as u32)), (0, Some(nth(1) as u32))]);
    let err = open(&bytes).read_tree().unwrap_err();
    assert!(is_malformed(&err, "loop"), "{err}");
    // Without loops the same shapes read.
    let bytes = linked_ifds(order, &[(nth(1), None), (nth(2), None), (0, None)]);
    assert_eq!(open(&bytes).read_tree().unwrap().len(), 3);
}

#[test]
fn next_offsets_of_exif_ifds_are_not_followed_but_subifd_chains_are() {
    let order = ByteOrder::Little;
    // IFD0 → Exif IFD (IFD1 here) whose next offset points at IFD2.
    let bytes = linked_ifds(
        order,
        &[(0, Some(nth(1) as u32)), (nth(2), None), (0, None)],
    );
    let tree = open(&bytes).read_tree().unwrap();
    assert_eq!(tree.len(), 2);
    assert_eq!(tree[1].ifd.next, Some(nth(2)));
    // The same through SubIFDs (typed IFD): a chain of children.
    let mut b = Builder::new(order, false);
    b.header(8);
    let pointer = RawEntry {
        tag: tags::SUB_IFDS,
        kind: 13,
        count: 1,
        field: b.u32(nth(1) as u32),
    };
    let filler = b.short(tags::IMAGE_WIDTH, 1);
    b.ifd(&[filler, pointer], 0);
    for next in [nth(2), 0] {
        let entries = [
            b.short(tags::IMAGE_WIDTH, 1),
            b.short(tags::IMAGE_LENGTH, 1),
        ];
        b.ifd(&entries, next);
    }
    let tree = open(&b.bytes).read_tree().unwrap();
    let links: Vec<Link> = tree.iter().map(|t| t.link).collect();
    assert_eq!(
        links,
        [
            Link::Root,
            Link::Sub {
                parent: 0,
                tag: tags::SUB_IFDS
            },
            Link::Next { previous: 1 }
        ]
    );
    assert_eq!(tree[2].depth, 1);
}

#[test]
fn ifd_count_and_depth_limits() {
    let order = ByteOrder::Big;
    let chain: Vec<(u64, Option<u32>)> =
        (1..=5).map(|n| (nth(n), None)).chain([(0, None)]).collect();
    let bytes = linked_ifds(order, &chain);
    assert_eq!(open(&bytes).read_tree().unwrap().len(), 6);
    let limits = TiffLimits {
        max_ifds: 3,
        ..TiffLimits::default()
    };
    let tiff = Tiff::open(&bytes, 0, bytes.len() as u64, limits).unwrap();
    let err = tiff.read_tree().unwrap_err();
    assert!(matches!(err, Error::Limit { limit: 3, .. }), "{err}");

    // IFD0 → Exif-pointer → IFD1 → Exif-pointer → IFD2: depth 2.
    let bytes = linked_ifds(
        order,
        &[
            (0, Some(nth(1) as u32)),
            (0, Some(nth(2) as u32)),
            (0, None),
        ],
    );
    let tree = open(&bytes).read_tree().unwrap();
    assert_eq!(tree.iter().map(|t| t.depth).max(), Some(2));
    let limits = TiffLimits {
        max_depth: 1,
        ..TiffLimits::default()
    };
    let tiff = Tiff::open(&bytes, 0, bytes.len() as u64, limits).unwrap();
    let err = tiff.read_tree().unwrap_err();
    assert!(matches!(err, Error::Limit { limit: 1, .. }), "{err}");
}

#[test]
fn values_past_the_end_of_the_block_are_refused() {
    for big in [false, true] {
        let mut b = Builder::new(ByteOrder::Little, big);
        let first = if big { 16 } else { 8 };
        b.header(first);
        // 100 bytes claimed at an offset where only the IFD itself lies.
        let entry = b.at(tags::MAKE, 2, 100, first);
        b.ifd(&[entry], 0);
        let err = open(&b.bytes).read_ifd(first).unwrap_err();
        assert!(is_malformed(&err, "run past"), "{err}");
        // The same bytes exist in the input beyond the block: still refused.
        let mut input = b.bytes.clone();
        let block = input.len() as u64;
        input.extend_from_slice(&[0; 200]);
        let tiff = Tiff::open(&input, 0, block, TiffLimits::default()).unwrap();
        assert!(tiff.read_ifd(first).is_err());
        // An IFD offset past the end.
        let tiff = open(&b.bytes);
        assert!(tiff.read_ifd(b.bytes.len() as u64 - 1).is_err());
        assert!(tiff.read_ifd(u64::MAX).is_err());
    }
}

#[test]
fn value_sizes_that_overflow_are_refused() {
    let mut b = Builder::new(ByteOrder::Big, true);
    b.header(16);
    // u64::MAX / 4 DOUBLEs: count × 8 overflows u64.
    let entry = b.at(tags::MAKER_NOTE, 12, u64::MAX / 4, 16);
    b.ifd(&[entry], 0);
    let err = open(&b.bytes).read_ifd(16).unwrap_err();
    assert!(is_malformed(&err, "overflow"), "{err}");
    // A count that does not overflow but is huge: past the end.
    let mut b = Builder::new(ByteOrder::Big, false);
    b.header(8);
    let entry = b.at(tags::MAKER_NOTE, 12, u32::MAX as u64, 8);
    b.ifd(&[entry], 0);
    let err = open(&b.bytes).read_ifd(8).unwrap_err();
    assert!(is_malformed(&err, "run past"), "{err}");
}

#[test]
fn entry_counts_are_limited_before_reading() {
    // An IFD claiming 65535 entries in a tiny file: past the end.
    let mut b = Builder::new(ByteOrder::Little, false);
    b.header(8);
    b.raw(&b.u16(0xFFFF));
    b.raw(&[0; 16]);
    let err = open(&b.bytes).read_ifd(8).unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err}");
    let limits = TiffLimits {
        max_entries_per_ifd: u64::MAX,
        ..TiffLimits::default()
    };
    let tiff = Tiff::open(&b.bytes, 0, b.bytes.len() as u64, limits).unwrap();
    let err = tiff.read_ifd(8).unwrap_err();
    assert!(is_malformed(&err, "run past"), "{err}");
    // BigTIFF: an entry count of u64::MAX, even without a limit.
    let mut b = Builder::new(ByteOrder::Little, true);
    b.header(16);
    b.raw(&b.off(u64::MAX));
    b.raw(&[0; 32]);
    let tiff = Tiff::open(&b.bytes, 0, b.bytes.len() as u64, limits).unwrap();
    let err = tiff.read_ifd(16).unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
    // A small limit refuses an IFD that is really there.
    let (bytes, _) = two_strip_tiff(ByteOrder::Big, false);
    let limits = TiffLimits {
        max_entries_per_ifd: 13,
        ..TiffLimits::default()
    };
    let tiff = Tiff::open(&bytes, 0, bytes.len() as u64, limits).unwrap();
    let err = tiff.read_tree().unwrap_err();
    assert!(matches!(err, Error::Limit { limit: 13, .. }), "{err}");
}

#[test]
fn value_counts_are_limited() {
    let (bytes, _) = two_strip_tiff(ByteOrder::Little, false);
    let limits = TiffLimits {
        max_values: 1,
        ..TiffLimits::default()
    };
    let tiff = Tiff::open(&bytes, 0, bytes.len() as u64, limits).unwrap();
    let ifd0 = tiff.read_ifd(tiff.header().first_ifd).unwrap();
    let offsets = ifd0.entry(tags::STRIP_OFFSETS).unwrap();
    assert!(matches!(tiff.values_u64(offsets), Err(Error::Limit { .. })));
    let width = ifd0.entry(tags::IMAGE_WIDTH).unwrap();
    assert_eq!(tiff.values_u64(width).unwrap(), vec![4]);
    // Text is not a number.
    let make = ifd0.entry(tags::MAKE).unwrap();
    assert!(tiff.values_u64(make).is_err());
}

#[test]
fn unknown_types_keep_their_value_field() {
    let mut b = Builder::new(ByteOrder::Big, false);
    b.header(8);
    let entry = RawEntry {
        tag: 0xC000,
        kind: 99,
        count: u32::MAX as u64,
        field: vec![1, 2, 3, 4],
    };
    b.ifd(&[entry], 0);
    let ifd = open(&b.bytes).read_ifd(8).unwrap();
    let entry: &Entry = &ifd.entries[0];
    assert_eq!(entry.value_type(), None);
    assert_eq!(entry.value, 18..22);
    assert!(WriteEntry::copied(entry, ByteOrder::Big).is_none());
}

/// Rewrite IFD0 of `input` keeping only the image structure, the way a
/// format will: copied values, strips as image data.
fn keep_image_structure(
    input: &Vec<u8>,
    out_order: ByteOrder,
    out_big: bool,
) -> (Plan, Vec<Range<u64>>) {
    let tiff = open(input);
    let order = tiff.header().order;
    let ifd0 = tiff.read_ifd(tiff.header().first_ifd).unwrap();
    let strips = tiff
        .data_ranges(
            ifd0.entry(tags::STRIP_OFFSETS).unwrap(),
            ifd0.entry(tags::STRIP_BYTE_COUNTS).unwrap(),
        )
        .unwrap();
    let kept = [
        tags::IMAGE_WIDTH,
        tags::IMAGE_LENGTH,
        tags::BITS_PER_SAMPLE,
        tags::COMPRESSION,
        tags::PHOTOMETRIC_INTERPRETATION,
        tags::ROWS_PER_STRIP,
        tags::X_RESOLUTION,
        tags::Y_RESOLUTION,
    ];
    // Given in reverse to check that the writer sorts.
    let mut entries = Vec::new();
    for entry in ifd0.entries.iter().rev() {
        if entry.tag == tags::STRIP_OFFSETS {
            entries.push(WriteEntry {
                tag: entry.tag,
                value: WriteValue::ImageData(strips.clone()),
            });
        } else if entry.tag == tags::STRIP_BYTE_COUNTS {
            entries.push(WriteEntry {
                tag: entry.tag,
                value: WriteValue::Numbers {
                    kind: Type::Long,
                    values: strips.iter().map(|s| s.end - s.start).collect(),
                },
            });
        } else if kept.contains(&entry.tag) {
            if order == out_order {
                entries.push(WriteEntry::copied(entry, order).unwrap());
            } else if entry.value_type() == Some(Type::Rational) {
                // Re-encode in the other order, as a format would.
                let raw = tiff.value_bytes(entry, 8).unwrap();
                let mut bytes = Vec::new();
                for half in raw.chunks(4) {
                    let v = order.u32(half.try_into().unwrap());
                    bytes.extend_from_slice(&out_order.u32_bytes(v));
                }
                entries.push(WriteEntry {
                    tag: entry.tag,
                    value: WriteValue::Bytes {
                        kind: Type::Rational,
                        count: 1,
                        bytes,
                    },
                });
            } else {
                entries.push(WriteEntry {
                    tag: entry.tag,
                    value: WriteValue::Numbers {
                        kind: entry.value_type().unwrap(),
                        values: tiff.values_u64(entry).unwrap(),
                    },
                });
            }
        }
    }
    let mut plan = Plan::new();
    // Something before, as when the TIFF goes inside another container.
    plan.data(b"Exif\0\0".to_vec());
    let written = IfdWriter::new(out_order, out_big)
        .write(&[WriteIfd { entries }], &mut plan)
        .unwrap();
    assert_eq!(written + 6, plan.output_len());
    (plan, strips)
}

#[test]
fn round_trip_keeps_strips_and_drops_the_rest() {
    for in_big in [false, true] {
        for in_order in [ByteOrder::Little, ByteOrder::Big] {
            for out_big in [false, true] {
                for out_order in [ByteOrder::Little, ByteOrder::Big] {
                    let (input, strips) = two_strip_tiff(in_order, in_big);
                    let (plan, _) = keep_image_structure(&input, out_order, out_big);
                    // Strips are copied (adjacent ones merge into one
                    // piece), never read into the plan.
                    for strip in &strips {
                        assert!(plan.pieces().iter().any(|piece| matches!(
                            piece,
                            Piece::Copy { offset, len }
                                if *offset <= strip.start && strip.end <= offset + len
                        )));
                    }
                    let out = plan.to_vec(&input).unwrap();
                    let out = out[6..].to_vec();
                    assert!(!out.windows(6).any(|w| w == b"Secret"));
                    assert!(!out.windows(4).any(|w| w == b"2024"));
                    let tiff = open(&out);
                    assert_eq!(tiff.header().order, out_order);
                    assert_eq!(tiff.header().big, out_big);
                    let tree = tiff.read_tree().unwrap();
                    assert_eq!(tree.len(), 1);
                    let ifd0 = &tree[0].ifd;
                    let found: Vec<u16> = ifd0.entries.iter().map(|e| e.tag).collect();
                    assert_eq!(
                        found,
                        [256, 257, 258, 259, 262, 273, 278, 279, 282, 283],
                        "sorted, only what was kept"
                    );
                    let ranges = tiff
                        .data_ranges(
                            ifd0.entry(tags::STRIP_OFFSETS).unwrap(),
                            ifd0.entry(tags::STRIP_BYTE_COUNTS).unwrap(),
                        )
                        .unwrap();
                    let pixels: Vec<&[u8]> = ranges
                        .iter()
                        .map(|r| &out[r.start as usize..r.end as usize])
                        .collect();
                    assert_eq!(pixels, [&[10, 20, 30, 40], &[50, 60, 70, 80]]);
                    for range in &ranges {
                        assert_eq!(range.start % 2, 0, "word-aligned");
                    }
                    for entry in &ifd0.entries {
                        assert_eq!(entry.value.start % 2, 0, "word-aligned");
                    }
                    let xres = tiff
                        .value_bytes(ifd0.entry(tags::X_RESOLUTION).unwrap(), 8)
                        .unwrap();
                    assert_eq!(
                        xres,
                        [out_order.u32_bytes(72), out_order.u32_bytes(1)].concat()
                    );
                    assert_eq!(
                        tiff.values_u64(ifd0.entry(tags::IMAGE_WIDTH).unwrap())
                            .unwrap(),
                        vec![4]
                    );
                }
            }
        }
    }
}

#[test]
fn writes_sub_ifds_odd_values_and_chains() {
    let order = ByteOrder::Little;
    let ascii = |tag: u16, text: &[u8]| WriteEntry {
        tag,
        value: WriteValue::Bytes {
            kind: Type::Ascii,
            count: text.len() as u64,
            bytes: text.to_vec(),
        },
    };
    let gps = WriteIfd {
        entries: vec![WriteEntry {
            tag: 0,
            value: WriteValue::Bytes {
                kind: Type::Byte,
                count: 4,
                bytes: vec![2, 3, 0, 0],
            },
        }],
    };
    let exif = WriteIfd {
        entries: vec![ascii(tags::DATE_TIME_ORIGINAL, b"odd\0x")],
    };
    let ifd0 = WriteIfd {
        entries: vec![
            ascii(tags::SOFTWARE, b"seven!\0"),
            WriteEntry {
                tag: tags::EXIF_IFD,
                value: WriteValue::Ifds(vec![exif]),
            },
            WriteEntry {
                tag: tags::GPS_IFD,
                value: WriteValue::Ifds(vec![gps]),
            },
        ],
    };
    let ifd1 = WriteIfd {
        entries: vec![ascii(tags::MODEL, b"third\0")],
    };
    for big in [false, true] {
        let mut plan = Plan::new();
        IfdWriter::new(order, big)
            .write(&[ifd0.clone(), ifd1.clone()], &mut plan)
            .unwrap();
        let out = plan.to_vec(&Vec::new()).unwrap();
        let tiff = open(&out);
        let tree = tiff.read_tree().unwrap();
        assert_eq!(tree.len(), 4);
        let links: Vec<Link> = tree.iter().map(|t| t.link).collect();
        assert_eq!(
            links,
            [
                Link::Root,
                Link::Next { previous: 0 },
                Link::Sub {
                    parent: 0,
                    tag: tags::EXIF_IFD
                },
                Link::Sub {
                    parent: 0,
                    tag: tags::GPS_IFD
                },
            ]
        );
        for t in &tree {
            assert_eq!(t.ifd.offset % 2, 0);
            for entry in &t.ifd.entries {
                assert_eq!(entry.value.start % 2, 0);
            }
        }
        let software = tree[0].ifd.entry(tags::SOFTWARE).unwrap();
        assert_eq!(tiff.value_bytes(software, 64).unwrap(), b"seven!\0");
        let date = tree[2].ifd.entry(tags::DATE_TIME_ORIGINAL).unwrap();
        assert_eq!(tiff.value_bytes(date, 64).unwrap(), b"odd\0x");
        let version = tree[3].ifd.entries[0].clone();
        assert_eq!(tiff.value_bytes(&version, 64).unwrap(), [2, 3, 0, 0]);
        let exif_pointer = tree[0].ifd.entry(tags::EXIF_IFD).unwrap();
        let expected = if big { Type::Ifd8 } else { Type::Long };
        assert_eq!(exif_pointer.value_type(), Some(expected));
    }
    // A pointer under a tag readers do not know is typed IFD, so that it is
    // still followed.
    let private = WriteIfd {
        entries: vec![WriteEntry {
            tag: 0xC000,
            value: WriteValue::Ifds(vec![WriteIfd {
                entries: vec![ascii(tags::MODEL, b"x\0")],
            }]),
        }],
    };
    let mut plan = Plan::new();
    IfdWriter::new(order, false)
        .write(&[private], &mut plan)
        .unwrap();
    let out = plan.to_vec(&Vec::new()).unwrap();
    let tree = open(&out).read_tree().unwrap();
    assert_eq!(tree.len(), 2);
    assert_eq!(tree[0].ifd.entries[0].value_type(), Some(Type::Ifd));
}

#[test]
fn writer_refuses_what_it_cannot_write_faithfully() {
    let write = |entries: Vec<WriteEntry>, order: ByteOrder| {
        IfdWriter::new(order, false).write(&[WriteIfd { entries }], &mut Plan::new())
    };
    let copy = |kind: Type, len: u64| WriteEntry {
        tag: 1,
        value: WriteValue::Copy {
            kind,
            count: 3,
            range: 0..len,
            order: ByteOrder::Big,
        },
    };
    // Copying SHORTs into the other byte order would need reading them.
    assert!(matches!(
        write(vec![copy(Type::Short, 6)], ByteOrder::Little),
        Err(Error::Unsupported(_))
    ));
    // Bytes are the same in both orders.
    assert!(write(vec![copy(Type::Ascii, 3)], ByteOrder::Little).is_ok());
    assert!(write(vec![copy(Type::Short, 6)], ByteOrder::Big).is_ok());
    // A range that does not match the count.
    assert!(write(vec![copy(Type::Short, 5)], ByteOrder::Big).is_err());
    // A number that does not fit its type.
    let numbers = WriteEntry {
        tag: 1,
        value: WriteValue::Numbers {
            kind: Type::Short,
            values: vec![70_000],
        },
    };
    assert!(write(vec![numbers], ByteOrder::Big).is_err());
    // The same tag twice.
    assert!(write(
        vec![copy(Type::Ascii, 3), copy(Type::Ascii, 3)],
        ByteOrder::Big
    )
    .is_err());
    // Image data past 4 GiB cannot be addressed by classic TIFF.
    let past_4_gib = 0..u64::from(u32::MAX) + 1;
    let huge = WriteEntry {
        tag: tags::STRIP_OFFSETS,
        value: WriteValue::ImageData(vec![past_4_gib]),
    };
    assert!(matches!(
        write(vec![huge.clone()], ByteOrder::Big),
        Err(Error::Limit { .. })
    ));
    let mut plan = Plan::new();
    let written = IfdWriter::new(ByteOrder::Big, true)
        .write(
            &[WriteIfd {
                entries: vec![huge],
            }],
            &mut plan,
        )
        .unwrap();
    assert!(written > u64::from(u32::MAX));
}

#[test]
fn minimal_orientation_matches_the_old_hand_built_block() {
    // What metadata::exif built by hand before this module existed.
    let expected: &[u8] = &[
        b'M', b'M', 0, 0x2a, 0, 0, 0, 8, // header, IFD0 at 8
        0, 1, // one entry
        0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, // Orientation SHORT 1 = 6
        0, 0, 0, 0, // no next IFD
    ];
    assert_eq!(minimal_orientation(ByteOrder::Big, 6), expected);
    for order in [ByteOrder::Little, ByteOrder::Big] {
        let bytes = minimal_orientation(order, 8);
        // The general writer produces the same block.
        let mut plan = Plan::new();
        let entries = vec![WriteEntry {
            tag: tags::ORIENTATION,
            value: WriteValue::Numbers {
                kind: Type::Short,
                values: vec![8],
            },
        }];
        IfdWriter::new(order, false)
            .write(&[WriteIfd { entries }], &mut plan)
            .unwrap();
        assert_eq!(plan.pieces(), [Piece::Data(bytes.clone())]);
        let tiff = open(&bytes);
        let tree = tiff.read_tree().unwrap();
        assert_eq!(tree.len(), 1);
        let entry = tree[0].ifd.entry(tags::ORIENTATION).unwrap();
        assert_eq!(tiff.values_u64(entry).unwrap(), vec![8]);
    }
}

#[test]
fn exiftool_validates_the_rewritten_tiff() {
    let Ok(version) = std::process::Command::new("exiftool").arg("-ver").output() else {
        eprintln!("exiftool not found: skipping the validation check");
        return;
    };
    if !version.status.success() {
        eprintln!("exiftool not usable: skipping the validation check");
        return;
    }
    for (order, name) in [(ByteOrder::Little, "le"), (ByteOrder::Big, "be")] {
        let (input, _) = two_strip_tiff(order, false);
        let (plan, _) = keep_image_structure(&input, order, false);
        let out = plan.to_vec(&input).unwrap();
        let path =
            std::env::temp_dir().join(format!("mediascrub-tiff-{}-{name}.tif", std::process::id()));
        std::fs::write(&path, &out[6..]).unwrap();
        let report = std::process::Command::new("exiftool")
            .args(["-validate", "-warning", "-error", "-a", "-G1"])
            .arg(&path)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        let text = String::from_utf8_lossy(&report.stdout);
        assert!(!text.contains("Error"), "{text}");
        assert!(text.contains("Validate"), "{text}");
        eprintln!("exiftool on the rewritten {name} TIFF:\n{text}");
    }
}
