//! Findings for what a cleaned TIFF leaves out: removed tags of kept IFDs,
//! whole IFDs (previews, masks, SubIFDs) and the Exif, GPS and
//! Interoperability IFDs. Only described: nothing here decides what is
//! kept.

use super::{Node, Walker, ENTRY};
use crate::container::tiff::ifd::{Entry, Ifd};
use crate::container::tiff::tags;
use crate::container::tiff::write::{IfdWriter, WriteEntry, WriteIfd, WriteValue};
use crate::container::tiff::Type;
use crate::error::Result;
use crate::finding::{human_size, Category, Finding};
use crate::metadata::{exif, iptc, xmp};
use crate::plan::Plan;

const BUDGET: &str = "TIFF metadata read into memory";

/// Largest TIFF rebuilt from the Exif and GPS IFDs to describe them; a
/// larger one is reported by size.
const MAX_SYNTHETIC: u64 = 1 << 20;

/// Names and categories of the tags described one by one when removed.
fn tag_info(tag: u16) -> Option<(Category, &'static str)> {
    use Category::*;
    Some(match tag {
        tags::DOCUMENT_NAME => (Other, "Document name"),
        tags::IMAGE_DESCRIPTION => (Other, "Image description"),
        tags::MAKE => (Device, "Make"),
        tags::MODEL => (Device, "Model"),
        tags::PAGE_NAME => (Other, "Page name"),
        tags::SOFTWARE => (Software, "Software"),
        tags::DATE_TIME => (Time, "Modify date"),
        tags::ARTIST => (Identity, "Artist"),
        tags::HOST_COMPUTER => (Software, "Host computer"),
        tags::COPYRIGHT => (Identity, "Copyright"),
        tags::MAKER_NOTE => (Device, "Maker notes"),
        0xA420 => (Device, "Image unique ID"),
        tags::UNIQUE_CAMERA_MODEL => (Device, "Unique camera model"),
        tags::LOCALIZED_CAMERA_MODEL => (Device, "Localized camera model"),
        tags::CAMERA_SERIAL_NUMBER => (Device, "Camera serial number"),
        50736 => (Device, "Lens info"),
        50723 | 50724 | 52530 => (Device, "Camera calibration (per camera unit)"),
        50931 | 50932 => (Device, "Calibration signature"),
        tags::DNG_PRIVATE_DATA => (Device, "DNG private data (maker notes)"),
        50741 => (Device, "Maker note safety"),
        50781 => (Device, "Raw data unique ID"),
        tags::ORIGINAL_RAW_FILE_NAME => (Other, "Original raw file name"),
        tags::ORIGINAL_RAW_FILE_DATA => (Embedded, "Original raw file"),
        50831 | 50833 => (Other, "As-shot / current ICC profile"),
        50934 | 50936 => (Other, "Camera profile name"),
        50942 => (Identity, "Profile copyright"),
        50966 | 50967 => (Software, "Preview application"),
        50968..=50970 => (Other, "Preview settings"),
        50971 => (Time, "Preview date/time"),
        50972 | 50973 | 51111 => (Other, "Image digest"),
        _ => return None,
    })
}

impl Walker<'_, '_> {
    /// A whole IFD that goes (a preview, a mask, a SubIFD): one finding,
    /// its metadata described, its own SubIFDs dropped too.
    pub(super) fn drop_node(&mut self, node: &Node) -> Result<()> {
        self.report_preview(&node.ifd, &node.place)?;
        let removed: Vec<Entry> = node
            .ifd
            .entries
            .iter()
            .filter(|e| !tags::IMAGE_STRUCTURE.contains(&e.tag) && e.tag != tags::SUB_IFDS)
            .cloned()
            .collect();
        for entry in &removed {
            self.forget_kept(entry);
        }
        self.describe_entries(&node.ifd, &removed, &node.place)?;
        for sub in &node.subs {
            self.drop_node(sub)?;
        }
        Ok(())
    }

    /// One finding for an image that is not kept.
    pub(super) fn report_preview(&mut self, ifd: &Ifd, place: &str) -> Result<()> {
        self.scan.ensure_findings_room(ifd.offset)?;
        let number = |tag| self.number(ifd, tag).ok().flatten();
        let kind = number(tags::NEW_SUBFILE_TYPE).unwrap_or(0);
        let what = if kind & 1 != 0 || number(tags::SUBFILE_TYPE) == Some(2) {
            "Reduced-resolution image (preview)"
        } else if kind & 4 != 0 {
            "Transparency mask"
        } else if kind != 0 {
            "Auxiliary image (depth map, enhanced or alternative data)"
        } else {
            "Image"
        };
        let size: u64 = [tags::STRIP_BYTE_COUNTS, tags::TILE_BYTE_COUNTS]
            .iter()
            .filter_map(|tag| ifd.entry(*tag))
            .filter_map(|entry| self.reader.values_u64(entry).ok())
            .flatten()
            .fold(0u64, u64::saturating_add);
        let jpeg = match ifd.entry(tags::JPEG_INTERCHANGE_FORMAT_LENGTH) {
            Some(entry) => self
                .reader
                .values_u64(entry)
                .ok()
                .and_then(|v| v.first().copied()),
            None => None,
        };
        let size = size.saturating_add(jpeg.unwrap_or(0));
        let dimensions = match (number(tags::IMAGE_WIDTH), number(tags::IMAGE_LENGTH)) {
            (Some(w), Some(h)) => format!("{w}x{h}, "),
            _ => String::new(),
        };
        self.scan.report(Finding::removed(
            Category::Embedded,
            what,
            place,
            format!("{dimensions}{}", human_size(size)),
        ));
        Ok(())
    }

    /// Findings for the removed entries of one IFD.
    pub(super) fn describe_entries(
        &mut self,
        ifd: &Ifd,
        removed: &[Entry],
        place: &str,
    ) -> Result<()> {
        let mut geo: Vec<&Entry> = Vec::new();
        let mut pointers: Vec<&Entry> = Vec::new();
        for entry in removed {
            self.scan.ensure_findings_room(entry.value.start)?;
            let at = format!("{place}/{}", tag_name(entry.tag));
            match entry.tag {
                tags::EXIF_IFD | tags::GPS_IFD => pointers.push(entry),
                tags::XMP => {
                    let bytes = self.read(entry)?;
                    let found = xmp::describe(&bytes, &at);
                    self.report_or(found, entry, Category::Other, "XMP packet", &at);
                }
                tags::IPTC => {
                    let bytes = self.read(entry)?;
                    let found = iptc::describe_iptc(&bytes, &at);
                    self.report_or(found, entry, Category::Other, "IPTC record", &at);
                }
                tags::PHOTOSHOP => {
                    let bytes = self.read(entry)?;
                    let found = iptc::describe_photoshop(&bytes, &at);
                    self.report_or(found, entry, Category::Other, "Photoshop resources", &at);
                }
                tags::JPEG_INTERCHANGE_FORMAT => {
                    let len = match ifd.entry(tags::JPEG_INTERCHANGE_FORMAT_LENGTH) {
                        Some(len) => self.reader.values_u64(len).ok(),
                        None => None,
                    };
                    let len = len.and_then(|v| v.first().copied()).unwrap_or(0);
                    self.scan.report(Finding::removed(
                        Category::Embedded,
                        "Thumbnail image",
                        &at,
                        format!("JPEG, {}", human_size(len)),
                    ));
                }
                tags::JPEG_INTERCHANGE_FORMAT_LENGTH => {}
                tag if tags::GEOTIFF.contains(&tag) => geo.push(entry),
                _ => self.describe_tag(entry, place)?,
            }
        }
        if !geo.is_empty() {
            let mut finding = Finding::removed(
                Category::Location,
                "GeoTIFF georeferencing",
                format!("{place}/GeoTIFF"),
                format!("{} tags (map position of the image)", geo.len()),
            );
            for entry in geo {
                if entry.value_type() == Some(Type::Ascii) {
                    let text = self.read(entry)?;
                    for part in text.split(|b| *b == b'|' || *b == 0) {
                        finding = finding.with_needle(part);
                    }
                }
            }
            self.scan.report(finding);
        }
        if !pointers.is_empty() {
            self.describe_exif(&pointers, place)?;
        }
        Ok(())
    }

    /// One removed tag, by name (text values previewed and searched for
    /// in the output) or as an unknown tag with its size.
    fn describe_tag(&mut self, entry: &Entry, place: &str) -> Result<()> {
        let known = tag_info(entry.tag);
        let (category, name) = match known {
            Some((category, name)) => (category, name.to_string()),
            None => (Category::Other, format!("Tag 0x{:04X}", entry.tag)),
        };
        let at = format!("{place}/{}", tag_name(entry.tag));
        let mut finding = if entry.value_type() == Some(Type::Ascii) {
            let bytes = self.read(entry)?;
            let text = String::from_utf8_lossy(&bytes).replace('\0', " ");
            let mut finding = Finding::removed(category, name, &at, text.trim());
            for part in bytes.split(|b| *b == 0) {
                finding = finding.with_needle(part);
            }
            finding
        } else {
            let value = match entry.value_type() {
                Some(_) => human_size(entry.value_len()),
                None => format!("unknown type {}, {} values", entry.kind, entry.count),
            };
            Finding::removed(category, name, &at, value)
        };
        if known.is_none() {
            finding = finding.unknown_block();
        }
        if entry.tag == tags::CAMERA_SERIAL_NUMBER || entry.tag == 50781 {
            // Binary serials and IDs: their bytes are the needle.
            if entry.value_type() != Some(Type::Ascii) {
                let bytes = self.read(entry)?;
                finding = finding.with_needle(bytes);
            }
        }
        self.scan.report(finding);
        Ok(())
    }

    /// Report `found`, or one finding naming the block when nothing in it
    /// was recognised.
    fn report_or(
        &mut self,
        found: Vec<Finding>,
        entry: &Entry,
        category: Category,
        name: &str,
        at: &str,
    ) {
        if found.is_empty() {
            self.scan.report(Finding::removed(
                category,
                name,
                at,
                human_size(entry.value_len()),
            ));
        } else {
            self.scan.report_all(found);
        }
    }

    /// The first bytes of a removed value, charged to the read budget.
    fn read(&mut self, entry: &Entry) -> Result<Vec<u8>> {
        self.scan
            .read_value(entry.value.start, entry.value_len(), BUDGET, ENTRY)
    }

    /// The Exif and GPS IFDs (and the Interoperability IFD): rebuilt as a
    /// small TIFF of their entries alone, described by the Exif describer.
    /// Unreadable ones are reported as such: they go either way.
    fn describe_exif(&mut self, pointers: &[&Entry], place: &str) -> Result<()> {
        let mut root = WriteIfd::default();
        for pointer in pointers {
            let name = if pointer.tag == tags::GPS_IFD {
                "GPS IFD"
            } else {
                "Exif IFD"
            };
            let Some(ifd) = self.pointed_ifd(pointer, name, place) else {
                continue;
            };
            let entries = self.synthetic_entries(&ifd, place, true)?;
            root.entries.push(WriteEntry {
                tag: pointer.tag,
                value: WriteValue::Ifds(vec![WriteIfd { entries }]),
            });
        }
        if root.entries.is_empty() {
            return Ok(());
        }
        let mut plan = Plan::new();
        let written = IfdWriter::new(self.header.order, false).write(&[root], &mut plan);
        if written.is_err() || plan.output_len() > MAX_SYNTHETIC {
            self.scan.report(Finding::removed(
                Category::Other,
                "Exif and GPS IFDs (not described)",
                place,
                human_size(plan.output_len()),
            ));
            return Ok(());
        }
        self.scan
            .charge(plan.output_len(), 0, "TIFF metadata read into memory")?;
        let bytes = plan.to_vec(self.src)?;
        let summary = exif::describe(&bytes, &format!("TIFF/{place}"));
        self.scan.report_all(summary.findings);
        Ok(())
    }

    /// The IFD a pointer leads to, or `None` (reported) when it cannot be
    /// read.
    fn pointed_ifd(&mut self, pointer: &Entry, name: &str, place: &str) -> Option<Ifd> {
        let read = self
            .reader
            .sub_ifd_offsets(pointer)
            .and_then(|offsets| match offsets.first() {
                Some(offset) => self.reader.read_ifd(*offset).map(Some),
                None => Ok(None),
            });
        match read {
            Ok(Some(ifd)) => {
                self.metadata.push(self.table_range(&ifd));
                Some(ifd)
            }
            Ok(None) => None,
            Err(err) => {
                self.scan.report(Finding::removed(
                    Category::Other,
                    format!("{name} (unreadable)"),
                    place,
                    err.to_string(),
                ));
                None
            }
        }
    }

    /// The entries of a removed Exif, GPS or Interoperability IFD copied
    /// for the describer; maker notes reported by size, nested IFDs other
    /// than the Interoperability IFD left out.
    fn synthetic_entries(&mut self, ifd: &Ifd, place: &str, top: bool) -> Result<Vec<WriteEntry>> {
        let order = self.header.order;
        let limit = self.scan.limits.max_value_read;
        let mut entries = Vec::new();
        for entry in &ifd.entries {
            self.forget_kept(entry);
            match entry.tag {
                tags::MAKER_NOTE => {
                    self.scan.ensure_findings_room(entry.value.start)?;
                    self.scan.report(Finding::removed(
                        Category::Device,
                        "Maker notes",
                        format!("TIFF/{place}/ExifIFD"),
                        human_size(entry.value_len()),
                    ));
                }
                tags::INTEROPERABILITY_IFD if top => {
                    if let Some(interop) = self.pointed_ifd(entry, "Interoperability IFD", place) {
                        let inner = self.synthetic_entries(&interop, place, false)?;
                        entries.push(WriteEntry {
                            tag: entry.tag,
                            value: WriteValue::Ifds(vec![WriteIfd { entries: inner }]),
                        });
                    }
                }
                _ if entry.is_sub_ifd_pointer() || entry.value_len() > limit => {}
                _ => entries.extend(WriteEntry::copied(entry, order)),
            }
        }
        Ok(entries)
    }
}

/// A tag's name in finding locations.
fn tag_name(tag: u16) -> String {
    match tag {
        tags::XMP => "XMP".to_string(),
        tags::IPTC => "IPTC".to_string(),
        tags::PHOTOSHOP => "Photoshop".to_string(),
        tags::JPEG_INTERCHANGE_FORMAT => "Thumbnail".to_string(),
        other => format!("0x{other:04X}"),
    }
}
