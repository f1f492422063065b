//! TIFF (classic and BigTIFF, multi-page, strips or tiles), DNG, and the
//! refusal of the TIFF-based camera raw formats this build cannot keep
//! renderable without the maker's private structures.
//!
//! The output is a fresh TIFF written by [`IfdWriter`] in the input's byte
//! order and flavour: only allow-listed tags, every strip and tile copied
//! by range (never read, never decoded), new offsets everywhere.
//!
//! * `mod.rs` (this file): reading the IFD tree, choosing the pages,
//!   judging every entry of a kept IFD against the allow-lists of
//!   [`tags::IMAGE_STRUCTURE`] and [`tags::DNG_RENDERING`], the overlap
//!   check, writing.
//! * `check.rs`: kept values whose bytes are a structure of their own (DNG
//!   opcode lists, JPEG tables and the header segments of JPEG-compressed
//!   strips and tiles) must be exactly that structure.
//! * `describe.rs`: findings for everything that goes (IFD tags, the Exif
//!   and GPS IFDs through [`crate::metadata::exif::describe`] on a small
//!   TIFF rebuilt from them, XMP, IPTC, Photoshop, GeoTIFF, previews).
//!
//! Pages: every IFD of the IFD0 chain that is a full-resolution image
//! (NewSubfileType without the reduced-resolution, mask or other bits;
//! SubfileType not 2) is kept in order; reduced-resolution pages and every
//! SubIFD are previews and go. A DNG is written as one IFD: the
//! full-resolution raw image (IFD0 itself or the one SubIFD with
//! NewSubfileType 0) with the DNG tags of IFD0 merged in; the IFD0
//! thumbnail and other previews go. UniqueCameraModel, which the DNG
//! specification requires, is written as `Camera`.
//!
//! Refused, naming the format: Olympus ORF and Panasonic RW2 (vendor
//! headers), Canon CR2, and any non-DNG file with CFA or linear raw data or
//! a vendor compression (NEF, ARW, PEF, …): decoding those needs the make,
//! the model and the MakerNote, which hold the serial number.

mod check;
mod describe;
#[cfg(test)]
mod tests;

use std::ops::Range;

use crate::container::tiff::ifd::{Entry, Ifd, Tiff as Reader, Visited};
use crate::container::tiff::write::{IfdWriter, WriteEntry, WriteIfd, WriteValue};
use crate::container::tiff::{tags, Header, Type};
use crate::error::{Error, Malformation, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::Planner;
use crate::io::{Source, SourceExt};
use crate::limits::TiffLimits;
use crate::metadata::{exif, icc};
use crate::plan::Plan;
use crate::policy::Policy;
use crate::scan::Scan;

const IFD: &str = "TIFF IFD";
const ENTRY: &str = "TIFF IFD entry";

/// The value written into a kept DNG UniqueCameraModel (required by the
/// DNG specification; the real one names the camera).
pub(crate) const NEUTRAL_CAMERA_MODEL: &[u8] = b"Camera\0";

/// Compressions whose strips and tiles are kept as they are: none, CCITT
/// (2, 3, 4), LZW, JPEG (7, headers checked), Adobe Deflate, PackBits,
/// Deflate, LZMA, Zstandard. Old-style JPEG (6) and codecs whose streams
/// carry their own metadata containers (WebP, JPEG XL) are refused.
const COMPRESSIONS: [u64; 11] = [1, 2, 3, 4, 5, 7, 8, 32773, 32946, 34925, 50000];
/// DNG's lossy JPEG compression (headers checked like 7).
const DNG_LOSSY_JPEG: u64 = 34892;
/// Photometric interpretations of ordinary TIFF pages.
const PHOTOMETRICS: [u64; 12] = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 32844, 32845];

/// NewSubfileType bit 1: one page of a multi-page document. Every other
/// bit (reduced resolution, transparency mask, depth map, enhanced data,
/// alternative preview) marks an image that is not the picture itself.
const PAGE_BIT: u64 = 2;

/// The TIFF planner.
pub(crate) struct Tiff;

impl Planner for Tiff {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        refuse_vendor_header(scan.src)?;
        let reader = Reader::open(scan.src, 0, scan.src.len(), scan.limits.tiff)?;
        let mut walker = Walker {
            src: scan.src,
            policy: scan.policy,
            limits: scan.limits.tiff,
            header: reader.header(),
            reader,
            scan,
            metadata: Vec::new(),
            kept_ranges: Vec::new(),
        };
        walker.run()
    }
}

/// ORF and RW2 start with a TIFF-like header that is not TIFF's.
fn refuse_vendor_header(src: &dyn Source) -> Result<()> {
    let head: [u8; 4] = src.read_array(0, "TIFF header")?;
    let format = match &head {
        b"IIRO" | b"IIRS" | b"MMOR" => "Olympus ORF",
        b"IIU\0" => "Panasonic RW2",
        _ => return Ok(()),
    };
    Err(Error::Unsupported(format!(
        "{format}: vendor header not supported (its raw data needs the maker's private \
         structures, which hold the serial number); convert it to DNG first"
    )))
}

/// An IFD with the SubIFDs it points to.
struct Node {
    ifd: Ifd,
    subs: Vec<Node>,
    /// Where it is, for findings: `IFD1`, `IFD0/SubIFD0`.
    place: String,
}

impl Node {
    /// Every node of this subtree, depth first.
    fn all<'n>(&'n self, out: &mut Vec<&'n Node>) {
        out.push(self);
        for sub in &self.subs {
            sub.all(out);
        }
    }
}

/// How the entries of an IFD are judged.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A kept page of a TIFF.
    Page,
    /// The kept raw image of a DNG.
    DngImage,
    /// IFD0 of a DNG whose image is a preview: only its DNG tags (and
    /// orientation) join the kept raw image.
    DngTop,
}

pub(super) struct Walker<'s, 'a> {
    src: &'a dyn Source,
    policy: &'a Policy,
    limits: TiffLimits,
    header: Header,
    reader: Reader<'a>,
    scan: &'s mut Scan<'a>,
    /// Input ranges of removed structures (IFD tables, removed values):
    /// nothing kept may copy from them.
    metadata: Vec<Range<u64>>,
    /// Input ranges the output copies (out-of-line values, image data).
    kept_ranges: Vec<Range<u64>>,
}

impl Walker<'_, '_> {
    fn run(&mut self) -> Result<Plan> {
        let first = self.header.first_ifd;
        let mut visited = Visited::default();
        let pages = self.read_nodes(first, 0, &mut visited, None)?;
        let ifd0 = pages
            .first()
            .ok_or_else(|| Error::malformed(IFD, 0, "no IFD: the file holds no image"))?;
        let dng = ifd0.ifd.entry(tags::DNG_VERSION).is_some();
        if !dng {
            self.refuse_camera_raw(&pages)?;
        }
        let chain = if dng {
            vec![self.dng(&pages)?]
        } else {
            self.pages(&pages)?
        };
        self.check_overlaps()?;
        let mut plan = Plan::new();
        IfdWriter::new(self.header.order, self.header.big).write(&chain, &mut plan)?;
        Ok(plan)
    }

    /// Read the chain at `first` and, recursively, the SubIFDs chains its
    /// IFDs point to.
    fn read_nodes(
        &mut self,
        first: u64,
        depth: usize,
        visited: &mut Visited,
        parent: Option<&str>,
    ) -> Result<Vec<Node>> {
        self.scan
            .depth(depth, self.limits.max_depth, first, "TIFF sub-IFD depth")?;
        let chain = self.reader.read_chain(first, visited)?;
        let mut nodes = Vec::with_capacity(chain.len());
        let mut subs_seen = 0usize;
        for (index, ifd) in chain.into_iter().enumerate() {
            self.scan.enter(
                ifd.offset,
                self.limits.max_ifds as u64,
                "number of TIFF IFDs",
            )?;
            self.metadata.push(self.table_range(&ifd));
            let place = match parent {
                None => format!("IFD{index}"),
                Some(parent) => format!("{parent}/SubIFD{index}"),
            };
            let mut subs = Vec::new();
            if let Some(entry) = ifd.entry(tags::SUB_IFDS) {
                for offset in self.reader.sub_ifd_offsets(entry)? {
                    let place = format!("{place}/SubIFD{subs_seen}");
                    subs_seen = subs_seen.saturating_add(1);
                    let mut chain =
                        self.read_nodes(offset, depth.saturating_add(1), visited, Some(&place))?;
                    // A SubIFDs chain is named by its first IFD.
                    for (n, node) in chain.iter_mut().enumerate() {
                        node.place = if n == 0 {
                            place.clone()
                        } else {
                            format!("{place}+{n}")
                        };
                    }
                    subs.extend(chain);
                }
            }
            nodes.push(Node { ifd, subs, place });
        }
        Ok(nodes)
    }

    /// The input range of an IFD's table.
    fn table_range(&self, ifd: &Ifd) -> Range<u64> {
        let len = (ifd.entries.len() as u64)
            .saturating_mul(self.header.entry_len())
            .saturating_add(self.header.count_len())
            .saturating_add(self.header.offset_len());
        ifd.offset..ifd.offset.saturating_add(len)
    }

    /// The first value of an integer entry.
    fn number(&self, ifd: &Ifd, tag: u16) -> Result<Option<u64>> {
        match ifd.entry(tag) {
            None => Ok(None),
            Some(entry) => Ok(self.reader.values_u64(entry)?.first().copied()),
        }
    }

    /// Whether an IFD is a full-resolution image rather than a preview,
    /// a mask or another auxiliary image.
    fn is_full_image(&self, ifd: &Ifd) -> Result<bool> {
        let new_subfile = self.number(ifd, tags::NEW_SUBFILE_TYPE)?.unwrap_or(0);
        let old_subfile = self.number(ifd, tags::SUBFILE_TYPE)?.unwrap_or(1);
        Ok(new_subfile & !PAGE_BIT == 0 && old_subfile != 2)
    }

    /// Refuse a non-DNG camera raw file, naming its format.
    fn refuse_camera_raw(&mut self, pages: &[Node]) -> Result<()> {
        let cr2: [u8; 2] = self.src.read_array(8, "TIFF header")?;
        let make = self.make(pages)?;
        let vendor = raw_format_name(&make);
        if &cr2 == b"CR" {
            return Err(raw_error("Canon CR2"));
        }
        let mut nodes = Vec::new();
        for page in pages {
            page.all(&mut nodes);
        }
        for node in nodes {
            let photometric = self.number(&node.ifd, tags::PHOTOMETRIC_INTERPRETATION)?;
            let compression = self.number(&node.ifd, tags::COMPRESSION)?.unwrap_or(1);
            let raw = matches!(
                photometric,
                Some(tags::PHOTOMETRIC_CFA | tags::PHOTOMETRIC_LINEAR_RAW)
            );
            let vendor_codec = vendor.is_some() && !COMPRESSIONS.contains(&compression);
            if raw || vendor_codec {
                return Err(raw_error(vendor.unwrap_or("Camera raw (not DNG)")));
            }
        }
        Ok(())
    }

    /// IFD0's Make, lowercase (empty when absent or unreadable).
    fn make(&mut self, pages: &[Node]) -> Result<String> {
        let Some(entry) = pages.first().and_then(|page| page.ifd.entry(tags::MAKE)) else {
            return Ok(String::new());
        };
        let len = entry.value_len().min(64);
        let bytes = self.src.read_vec(entry.value.start, len, 64, ENTRY)?;
        Ok(String::from_utf8_lossy(&bytes).to_lowercase())
    }

    /// The kept pages of a TIFF, in order; everything else described.
    fn pages(&mut self, pages: &[Node]) -> Result<Vec<WriteIfd>> {
        let mut chain = Vec::new();
        for page in pages {
            if self.is_full_image(&page.ifd)? {
                let mut entries = Vec::new();
                self.judge_ifd(&page.ifd, Role::Page, &page.place, &mut entries)?;
                self.check_page(&page.ifd, &entries)?;
                chain.push(WriteIfd { entries });
            } else {
                self.drop_node(page)?;
            }
            for sub in &page.subs {
                self.drop_node(sub)?;
            }
        }
        if chain.is_empty() {
            return Err(Error::malformed(
                IFD,
                pages.first().map_or(0, |page| page.ifd.offset),
                "no full-resolution image: every IFD is a preview or a mask",
            ));
        }
        Ok(chain)
    }

    /// The one IFD of a cleaned DNG.
    fn dng(&mut self, pages: &[Node]) -> Result<WriteIfd> {
        let (ifd0, rest) = pages
            .split_first()
            .ok_or_else(|| Error::malformed(IFD, 0, "no IFD0"))?;
        let mut entries = Vec::new();
        if self.is_full_image(&ifd0.ifd)? {
            self.judge_ifd(&ifd0.ifd, Role::DngImage, &ifd0.place, &mut entries)?;
            self.check_page(&ifd0.ifd, &entries)?;
            for sub in &ifd0.subs {
                self.drop_node(sub)?;
            }
        } else {
            let mut main = None;
            for sub in &ifd0.subs {
                if self.is_full_image(&sub.ifd)? {
                    if main.is_some() {
                        return Err(Error::Unsupported(
                            "DNG with more than one full-resolution image".to_string(),
                        ));
                    }
                    main = Some(sub);
                }
            }
            let main = main.ok_or_else(|| {
                Error::malformed(IFD, ifd0.ifd.offset, "DNG without a full-resolution image")
            })?;
            self.judge_ifd(&main.ifd, Role::DngImage, &main.place, &mut entries)?;
            self.check_page(&main.ifd, &entries)?;
            self.judge_ifd(&ifd0.ifd, Role::DngTop, &ifd0.place, &mut entries)?;
            self.report_preview(&ifd0.ifd, &ifd0.place)?;
            for sub in &ifd0.subs {
                if std::ptr::eq(sub, main) {
                    for deeper in &sub.subs {
                        self.drop_node(deeper)?;
                    }
                } else {
                    self.drop_node(sub)?;
                }
            }
        }
        for page in rest {
            self.drop_node(page)?;
        }
        Ok(WriteIfd { entries })
    }

    /// A kept page must be an image a reader can find: dimensions and
    /// strips or tiles.
    fn check_page(&self, ifd: &Ifd, entries: &[WriteEntry]) -> Result<()> {
        let has = |tag| entries.iter().any(|e: &WriteEntry| e.tag == tag);
        let strips = has(tags::STRIP_OFFSETS) && has(tags::STRIP_BYTE_COUNTS);
        let tiles = has(tags::TILE_OFFSETS)
            && has(tags::TILE_BYTE_COUNTS)
            && has(tags::TILE_WIDTH)
            && has(tags::TILE_LENGTH);
        if !has(tags::IMAGE_WIDTH) || !has(tags::IMAGE_LENGTH) || !(strips || tiles) {
            return Err(Error::malformed(
                IFD,
                ifd.offset,
                "an image without ImageWidth, ImageLength and its strips or tiles",
            ));
        }
        Ok(())
    }

    /// Judge every entry of `ifd`: kept ones are appended to `kept`,
    /// removed ones described.
    fn judge_ifd(
        &mut self,
        ifd: &Ifd,
        role: Role,
        place: &str,
        kept: &mut Vec<WriteEntry>,
    ) -> Result<()> {
        let dng = role != Role::Page;
        let compression = self.number(ifd, tags::COMPRESSION)?.unwrap_or(1);
        if role != Role::DngTop {
            self.check_codec(ifd, compression, dng)?;
        }
        let mut removed = Vec::new();
        for entry in &ifd.entries {
            self.scan.ensure_findings_room(entry.value.start)?;
            let tag = entry.tag;
            if kept.iter().any(|k| k.tag == tag) {
                // The raw image's own value wins over IFD0's.
                continue;
            }
            let structure = tags::IMAGE_STRUCTURE.contains(&tag);
            if role == Role::DngTop && (structure || tag == tags::SUB_IFDS) {
                // The preview's layout: reported with the preview.
                continue;
            }
            let value = match tag {
                tags::STRIP_OFFSETS | tags::TILE_OFFSETS => {
                    Some(self.image_data(ifd, entry, compression)?)
                }
                tags::SUB_IFDS => None, // the SubIFDs are judged as nodes
                tags::ORIENTATION => self.orientation(entry, place)?,
                tags::ICC_PROFILE if role == Role::DngTop => {
                    self.scan.report(Finding::removed(
                        Category::Other,
                        "ICC colour profile (of the preview)",
                        place,
                        human_size(entry.value_len()),
                    ));
                    None
                }
                tags::ICC_PROFILE => self.icc(entry, place)?,
                tags::UNIQUE_CAMERA_MODEL if dng => Some(self.camera_model(entry, place)?),
                _ if structure => Some(self.kept_value(entry)?),
                _ if dng && tags::DNG_RENDERING.contains(&tag) => Some(self.kept_value(entry)?),
                _ => {
                    removed.push(entry.clone());
                    None
                }
            };
            match value {
                Some(value) => kept.push(WriteEntry { tag, value }),
                None => self.forget_kept(entry),
            }
        }
        self.describe_entries(ifd, &removed, place)
    }

    /// A removed entry's out-of-line value is metadata.
    fn forget_kept(&mut self, entry: &Entry) {
        if entry.value_len() > self.header.offset_len() {
            self.metadata.push(entry.value.clone());
        }
    }

    /// The compression and photometric interpretation of a kept image.
    fn check_codec(&self, ifd: &Ifd, compression: u64, dng: bool) -> Result<()> {
        let codec_ok =
            COMPRESSIONS.contains(&compression) || (dng && compression == DNG_LOSSY_JPEG);
        if !codec_ok {
            return Err(Error::Unsupported(format!(
                "TIFF compression {compression} is not supported (IFD at offset {})",
                ifd.offset
            )));
        }
        let photometric = self.number(ifd, tags::PHOTOMETRIC_INTERPRETATION)?;
        let raw = [tags::PHOTOMETRIC_CFA, tags::PHOTOMETRIC_LINEAR_RAW];
        let photometric_ok = match photometric {
            None => true,
            Some(value) => PHOTOMETRICS.contains(&value) || (dng && raw.contains(&value)),
        };
        if !photometric_ok {
            return Err(Error::Unsupported(format!(
                "TIFF photometric interpretation {} is not supported (IFD at offset {})",
                photometric.unwrap_or(0),
                ifd.offset
            )));
        }
        Ok(())
    }

    /// Strips or tiles: copied by range after their JPEG headers (if any)
    /// are checked.
    fn image_data(&mut self, ifd: &Ifd, offsets: &Entry, compression: u64) -> Result<WriteValue> {
        let counts_tag = if offsets.tag == tags::STRIP_OFFSETS {
            tags::STRIP_BYTE_COUNTS
        } else {
            tags::TILE_BYTE_COUNTS
        };
        let counts = ifd.entry(counts_tag).ok_or_else(|| {
            Error::malformed(
                ENTRY,
                offsets.value.start,
                format!("tag {}: offsets without byte counts", offsets.tag),
            )
        })?;
        let ranges = self.reader.data_ranges(offsets, counts)?;
        if compression == 7 || compression == DNG_LOSSY_JPEG {
            for range in &ranges {
                self.check_jpeg_headers(range.clone())?;
            }
        }
        self.kept_ranges.extend(ranges.iter().cloned());
        Ok(WriteValue::ImageData(ranges))
    }

    /// A kept numeric value, copied: its type must be numeric (or a byte
    /// blob for the few tags that are one), its count what the tag allows.
    fn kept_value(&mut self, entry: &Entry) -> Result<WriteValue> {
        let kind = entry.value_type().ok_or_else(|| {
            Error::malformed(
                ENTRY,
                entry.value.start,
                format!("kept tag {}: unknown type {}", entry.tag, entry.kind),
            )
        })?;
        let blob = matches!(kind, Type::Undefined | Type::Byte);
        let type_ok = match kind {
            Type::Ascii | Type::Ifd | Type::Ifd8 => false,
            Type::Undefined => BLOB_TAGS.contains(&entry.tag),
            _ => true,
        };
        if !type_ok {
            return Err(Error::malformed(
                ENTRY,
                entry.value.start,
                format!("kept tag {}: type {} is not allowed", entry.tag, entry.kind),
            ));
        }
        if let Some(max) = max_count(entry.tag) {
            if entry.count > max || entry.count == 0 {
                return Err(Error::malformed_as(
                    Malformation::Unaccounted,
                    ENTRY,
                    entry.value.start,
                    format!(
                        "kept tag {}: {} values where at most {max} are allowed",
                        entry.tag, entry.count
                    ),
                ));
            }
        }
        match entry.tag {
            tags::JPEG_TABLES if blob => {
                let bytes = self.kept_bytes(entry)?;
                check::jpeg_tables(&bytes, entry.value.start)?;
            }
            tags::OPCODE_LIST_1 | tags::OPCODE_LIST_2 | tags::OPCODE_LIST_3 if blob => {
                let bytes = self.kept_bytes(entry)?;
                check::opcode_list(&bytes, entry.value.start)?;
            }
            tags::JPEG_TABLES | tags::OPCODE_LIST_1 | tags::OPCODE_LIST_2 | tags::OPCODE_LIST_3 => {
                return Err(Error::malformed(
                    ENTRY,
                    entry.value.start,
                    format!("kept tag {}: type {} is not allowed", entry.tag, entry.kind),
                ))
            }
            _ => {}
        }
        if entry.value_len() > self.header.offset_len() {
            self.kept_ranges.push(entry.value.clone());
        }
        let copied = WriteEntry::copied(entry, self.header.order)
            .ok_or_else(|| Error::malformed(ENTRY, entry.value.start, "unknown type"))?;
        Ok(copied.value)
    }

    /// A kept value read into memory to be examined.
    fn kept_bytes(&mut self, entry: &Entry) -> Result<Vec<u8>> {
        let len = entry.value_len();
        if len > self.limits.max_kept_value {
            return Err(Error::Limit {
                what: "TIFF kept value examined",
                offset: entry.value.start,
                limit: self.limits.max_kept_value,
            });
        }
        self.scan
            .charge(len, entry.value.start, "TIFF metadata read into memory")?;
        self.reader.value_bytes(entry, self.limits.max_kept_value)
    }

    /// Orientation: kept (policy) when it is one valid SHORT.
    fn orientation(&mut self, entry: &Entry, place: &str) -> Result<Option<WriteValue>> {
        let value = if entry.value_type() == Some(Type::Short) && entry.count == 1 {
            self.reader.values_u64(entry)?.first().copied()
        } else {
            None
        };
        let valid = value.filter(|v| (1..=8).contains(v));
        let shown = value.map_or_else(
            || "invalid".to_string(),
            |v| {
                format!(
                    "{v} ({})",
                    exif::orientation_name(u32::try_from(v).unwrap_or(0))
                )
            },
        );
        let finding = Finding::removed(Category::Other, "Orientation", place, shown);
        if self.policy.keep_orientation && valid.is_some() {
            self.scan.report(finding.with_fate(Fate::Kept));
            return Ok(Some(self.kept_value(entry)?));
        }
        self.scan.report(finding);
        Ok(None)
    }

    /// The ICC profile: kept neutralised (policy), or removed.
    fn icc(&mut self, entry: &Entry, place: &str) -> Result<Option<WriteValue>> {
        let removed =
            |why: String| Finding::removed(Category::Other, "ICC colour profile", place, why);
        let blob = matches!(entry.value_type(), Some(Type::Undefined | Type::Byte));
        if !self.policy.keep_icc || !blob {
            self.scan.report(removed(human_size(entry.value_len())));
            return Ok(None);
        }
        if entry.value_len() > self.limits.max_kept_value {
            let why = format!("{} (too large to examine)", human_size(entry.value_len()));
            self.scan.report(removed(why));
            return Ok(None);
        }
        let bytes = self.kept_bytes(entry)?;
        let neutral = match icc::neutralise(&bytes, &format!("{place}/ICC")) {
            Ok(neutral) => neutral,
            Err(err) => {
                self.scan.report(Finding::removed(
                    Category::Other,
                    "ICC colour profile (unreadable, removed)",
                    place,
                    err.to_string(),
                ));
                return Ok(None);
            }
        };
        if neutral.bytes != bytes {
            self.scan.report_all(neutral.findings);
        }
        self.scan.report(
            Finding::removed(
                Category::Other,
                "ICC colour profile",
                place,
                human_size(entry.value_len()),
            )
            .with_fate(Fate::Kept),
        );
        let kind = entry.value_type().unwrap_or(Type::Undefined);
        Ok(Some(WriteValue::Bytes {
            kind,
            count: neutral.bytes.len() as u64,
            bytes: neutral.bytes,
        }))
    }

    /// UniqueCameraModel: required by DNG, written as a neutral value.
    fn camera_model(&mut self, entry: &Entry, place: &str) -> Result<WriteValue> {
        let bytes = self.scan.read_value(
            entry.value.start,
            entry.value_len(),
            "TIFF metadata read into memory",
            ENTRY,
        )?;
        let finding = if bytes == NEUTRAL_CAMERA_MODEL {
            Finding::removed(
                Category::Other,
                "Unique camera model (neutral)",
                place,
                "Camera",
            )
            .with_fate(Fate::Kept)
        } else {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            Finding::removed(Category::Device, "Unique camera model", place, &text)
                .with_needle(text.trim_end_matches('\0'))
                .with_fate(Fate::Replaced)
        };
        self.scan.report(finding);
        self.forget_kept(entry);
        Ok(WriteValue::Bytes {
            kind: Type::Ascii,
            count: NEUTRAL_CAMERA_MODEL.len() as u64,
            bytes: NEUTRAL_CAMERA_MODEL.to_vec(),
        })
    }

    /// Nothing copied into the output may come from a removed structure
    /// (an IFD table, a removed value): a kept value or strip overlapping
    /// one would carry it along.
    fn check_overlaps(&mut self) -> Result<()> {
        let mut metadata: Vec<Range<u64>> = self
            .metadata
            .iter()
            .filter(|r| r.start < r.end)
            .cloned()
            .collect();
        metadata.sort_by_key(|r| r.start);
        // Merge, so that the largest end so far is known at each start.
        let mut merged: Vec<Range<u64>> = Vec::with_capacity(metadata.len());
        for range in metadata {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        for kept in &self.kept_ranges {
            if kept.start >= kept.end {
                continue;
            }
            // The last merged range starting before `kept` ends.
            let index = merged.partition_point(|r| r.start < kept.end);
            let hit = index
                .checked_sub(1)
                .and_then(|i| merged.get(i))
                .filter(|r| r.end > kept.start);
            if let Some(hit) = hit {
                return Err(Error::malformed_as(
                    Malformation::Unaccounted,
                    ENTRY,
                    kept.start,
                    format!(
                        "kept bytes {}..{} overlap removed metadata at {}..{}",
                        kept.start, kept.end, hit.start, hit.end
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Tags whose kept value may be UNDEFINED bytes: each is examined or is a
/// table of numbers by definition.
const BLOB_TAGS: [u16; 11] = [
    tags::JPEG_TABLES,
    tags::CFA_PATTERN,
    tags::OPCODE_LIST_1,
    tags::OPCODE_LIST_2,
    tags::OPCODE_LIST_3,
    52525, // ProfileGainTableMap
    52533, // IlluminantData1
    52534, // IlluminantData2
    52535, // IlluminantData3
    52543, // RGBTables
    52551, // ProfileDynamicRange
];

/// Most values a kept tag may hold, where the specification fixes it.
fn max_count(tag: u16) -> Option<u64> {
    Some(match tag {
        tags::NEW_SUBFILE_TYPE
        | tags::SUBFILE_TYPE
        | tags::IMAGE_WIDTH
        | tags::IMAGE_LENGTH
        | tags::COMPRESSION
        | tags::PHOTOMETRIC_INTERPRETATION
        | tags::FILL_ORDER
        | tags::ORIENTATION
        | tags::SAMPLES_PER_PIXEL
        | tags::ROWS_PER_STRIP
        | tags::X_RESOLUTION
        | tags::Y_RESOLUTION
        | tags::PLANAR_CONFIGURATION
        | tags::T4_OPTIONS
        | tags::T6_OPTIONS
        | tags::RESOLUTION_UNIT
        | tags::PREDICTOR
        | tags::TILE_WIDTH
        | tags::TILE_LENGTH
        | tags::INK_SET
        | tags::NUMBER_OF_INKS
        | tags::YCBCR_POSITIONING => 1,
        tags::YCBCR_SUB_SAMPLING | tags::WHITE_POINT => 2,
        tags::YCBCR_COEFFICIENTS => 3,
        tags::PRIMARY_CHROMATICITIES | tags::REFERENCE_BLACK_WHITE => 6,
        tags::DNG_VERSION | 50707 => 4,
        tags::BITS_PER_SAMPLE | tags::SAMPLE_FORMAT | tags::EXTRA_SAMPLES => 256,
        _ => return None,
    })
}

/// The raw format a camera maker's files are, from IFD0's Make.
fn raw_format_name(make: &str) -> Option<&'static str> {
    const MAKERS: [(&str, &str); 13] = [
        ("nikon", "Nikon NEF"),
        ("canon", "Canon CR2"),
        ("sony", "Sony ARW"),
        ("pentax", "Pentax PEF"),
        ("ricoh", "Pentax PEF"),
        ("olympus", "Olympus ORF"),
        ("om digital", "Olympus ORF"),
        ("panasonic", "Panasonic RW2"),
        ("leica", "Leica raw"),
        ("samsung", "Samsung SRW"),
        ("fujifilm", "Fujifilm RAF"),
        ("hasselblad", "Hasselblad 3FR"),
        ("kodak", "Kodak DCR"),
    ];
    MAKERS
        .iter()
        .find(|(maker, _)| make.contains(maker))
        .map(|(_, format)| *format)
}

fn raw_error(format: &str) -> Error {
    Error::Unsupported(format!(
        "{format} is not supported: its raw data needs the maker's private structures \
         (make, model and MakerNote, which hold the serial number); convert it to DNG first"
    ))
}
