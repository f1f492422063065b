//! Applying the allow-list of [`super::rules`]: the walk over an
//! allow-listed master element, and what it does to each child — keep,
//! remove (report and void), neutralise (zero a mandatory value), judge a
//! `SeekHead` entry — and the `CRC-32` guard that voids a stale checksum.

use super::rules::{payload_layout, rule, Master, Rule, Show, SEEKABLE};
use super::{describe::date_utc, id, void, EntryState, Walker, BLANKED, DEPTH, STRUCTURE};
use crate::container::ebml::{uint, Children, Element};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::io::{zero, SourceExt};
use crate::metadata::subtitle::printable_runs;
use crate::plan::overwrite::Overwrites;

/// The `CRC-32` child of a master element (RFC 8794 § 11.3.1), if it has
/// one: once anything else in the master changes, the checksum is stale
/// and strict readers would drop the master, so it is voided.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Crc(Option<(u64, u64)>);

impl Crc {
    /// Note the `CRC-32` element `element`, ending at `end` (the last one
    /// wins).
    pub(super) fn note(&mut self, element: &Element, end: u64) {
        self.0 = Some((element.start, end));
    }

    /// Void the checksum when its master `changed`.
    pub(super) fn void_if(self, changed: bool, overwrites: &mut Overwrites) -> Result<()> {
        match self.0 {
            Some((start, end)) if changed => void(overwrites, start, end),
            _ => Ok(()),
        }
    }
}

/// The [`Rule::Kind`] and [`Rule::Payload`] of the master being walked,
/// judged at its end (the kind may follow the payload).
#[derive(Debug, Default)]
pub(super) struct Deferred {
    kind: Option<u64>,
    payload: Option<(Element, u64)>,
}

/// `Void` elements that held something, reported once per file.
#[derive(Debug, Default)]
pub(super) struct Padding {
    count: u64,
    bytes: u64,
    /// Where the first one was.
    place: String,
    /// Its printable runs.
    text: Vec<String>,
}

impl Padding {
    /// The finding, if any Void held something.
    pub(super) fn finding(self) -> Option<Finding> {
        if self.count == 0 {
            return None;
        }
        let mut value = format!("{} Void element(s), {}", self.count, human_size(self.bytes));
        if let Some(first) = self.text.first() {
            value.push_str(&format!(": \"{first}\""));
        }
        let mut finding =
            Finding::removed(Category::Other, "Data in Void padding", &self.place, value)
                .with_fate(Fate::Zeroed);
        for text in &self.text {
            finding = finding.with_needle(text);
        }
        Some(finding)
    }
}

impl Walker<'_, '_> {
    /// Walk the children of an allow-listed master. Returns whether anything
    /// inside it changed (then its CRC-32, if any, was voided).
    pub(super) fn master(
        &mut self,
        element: &Element,
        end: u64,
        master: Master,
        depth: usize,
    ) -> Result<bool> {
        let max_depth = self.scan.limits.matroska.max_depth;
        self.scan.depth(depth, max_depth, element.start, DEPTH)?;
        if master == Master::TrackEntry {
            self.uids.entries += 1;
            self.entry = EntryState::default();
        }
        let deferred = matches!(
            master,
            Master::Projection | Master::BlockAdditionMapping | Master::ContentCompression
        );
        if deferred {
            self.deferred = Deferred::default();
        }
        let place = master.path();
        let mut children = Children::of(element, end);
        let mut changed = false;
        let mut crc = Crc::default();
        while let Some((child, child_end)) = self.next_sized(&mut children)? {
            match rule(master, child.id) {
                Rule::Keep => self.number(&child, child_end)?,
                Rule::Void => changed |= self.padding(&child, child_end, place)?,
                Rule::Kind => {
                    self.number(&child, child_end)?;
                    self.deferred.kind = Some(uint(&self.value(&child, child_end)?));
                }
                Rule::Payload => self.deferred.payload = Some((child, child_end)),
                Rule::KeyId => {
                    let bytes = self.value(&child, child_end)?;
                    let hex: String = bytes.iter().take(32).map(|b| format!("{b:02x}")).collect();
                    self.scan.report(
                        Finding::removed(Category::Device, "Encryption key ID", place, hex)
                            .with_fate(Fate::Kept),
                    );
                }
                Rule::Crc => crc.note(&child, child_end),
                Rule::Descend(inner) => {
                    changed |= self.master(&child, child_end, inner, depth + 1)?
                }
                Rule::Remove(category, field, show) => {
                    self.remove(&child, child_end, category, field, show, place)?;
                    changed = true;
                }
                Rule::Neutralise(field) => {
                    changed |= self.neutralise(&child, child_end, field, place)?
                }
                Rule::TrackUid => self.note_track_uid(&child, child_end)?,
                Rule::TrackOperation => self.uids.operation = true,
                Rule::CodecId => self.entry.codec_id = self.text(&child, child_end)?,
                Rule::TrackType => self.entry.track_type = self.value(&child, child_end)?,
                Rule::CodecPrivate => self.entry.codec_private = Some((child.data, child_end)),
                Rule::TrackNumber => {
                    self.entry.number = Some(uint(&self.value(&child, child_end)?))
                }
                Rule::Language => {
                    let language = self.text(&child, child_end)?;
                    if child.id == id::LANGUAGE_BCP47 || self.entry.language.is_none() {
                        self.entry.language = Some(language);
                    }
                }
                Rule::ContentEncodings => {
                    self.entry.encoded = true;
                    changed |=
                        self.master(&child, child_end, Master::ContentEncodings, depth + 1)?;
                }
                Rule::Seek => changed |= self.seek(&child, child_end)?,
                Rule::DocType => {
                    let doc_type = self.text(&child, child_end)?;
                    if doc_type != "matroska" && doc_type != "webm" {
                        return Err(Error::Unsupported(format!(
                            "EBML document type '{}'",
                            crate::finding::preview(&doc_type)
                        )));
                    }
                }
            }
        }
        if deferred {
            changed |= self.judge_payload(master)?;
        }
        if master == Master::Tracks {
            changed |= self.apply_track_uids()?;
        }
        if master == Master::TrackEntry {
            changed |= self.codec_private_record()?;
            changed |= self.codec_private_comments()?;
            self.note_motion_jpeg()?;
            self.plan_track_uid();
            self.add_track(element.start, end)?;
        }
        if master == Master::Tracks {
            self.segment.tracks_crc = crc;
        }
        crc.void_if(changed, &mut self.overwrites)?;
        Ok(changed)
    }

    /// Report and blank an element.
    pub(super) fn remove(
        &mut self,
        element: &Element,
        end: u64,
        category: Category,
        field: &str,
        show: Show,
        place: &str,
    ) -> Result<()> {
        let finding = match show {
            Show::Size => Finding::removed(
                category,
                field,
                place,
                format!("ID 0x{:X}, {}", element.id, human_size(end - element.start)),
            ),
            Show::Text => {
                let text = self.text(element, end)?;
                Finding::removed(category, field, place, &text).with_needle(&text)
            }
            Show::Label => {
                let text = self.text(element, end)?;
                Finding::removed(category, field, place, &text)
            }
            // Binary values (UIDs, dates) get no needle: they cannot
            // reappear as text elsewhere, the re-parse checks their
            // elements are gone, and short binary needles slow the scan of
            // gigabytes of media (measured: 7.0 s instead of 2.4 s on 1.2 GB).
            Show::Hex => {
                let bytes = self.value(element, end)?;
                let hex: String = bytes.iter().take(32).map(|b| format!("{b:02x}")).collect();
                Finding::removed(category, field, place, hex)
            }
            Show::Date => {
                let bytes = self.value(element, end)?;
                Finding::removed(category, field, place, date_utc(&bytes))
            }
        };
        self.scan.report(finding);
        self.blank(element.start, end)
    }

    /// A kept number (integer, float, date) or small fixed binary field:
    /// more than 8 bytes is not one, and could carry anything.
    pub(super) fn number(&mut self, element: &Element, end: u64) -> Result<()> {
        if end - element.data > 8 {
            return Err(Error::malformed(
                STRUCTURE,
                element.start,
                format!(
                    "element 0x{:X} should be a number but holds {} bytes",
                    element.id,
                    end - element.data
                ),
            ));
        }
        Ok(())
    }

    /// `Void` padding: kept, but whatever a writer left in it is zeroed
    /// (reported once per file, see [`Padding`]). Returns whether it
    /// changed.
    pub(super) fn padding(&mut self, element: &Element, end: u64, place: &str) -> Result<bool> {
        let Some(first) = zero::first_nonzero(self.scan.src, element.data, end)? else {
            return Ok(false);
        };
        if self.padding.count == 0 {
            let len = (end - first).min(256);
            self.scan.charge(len, first, super::READ_BUDGET)?;
            let bytes = self.scan.src.read_vec(first, len, 256, STRUCTURE)?;
            self.padding.place = place.to_string();
            self.padding.text = printable_runs(&bytes).into_iter().take(8).collect();
        }
        self.padding.count += 1;
        self.padding.bytes += end - element.data;
        self.overwrites
            .push_filler(element.data, Vec::new(), end - element.data, BLANKED)?;
        Ok(true)
    }

    /// Judge the payload noted in a Projection, BlockAdditionMapping or
    /// ContentCompression (see [`super::rules::payload_layout`]): kept in
    /// its known layout, else removed. Returns whether it was removed.
    fn judge_payload(&mut self, master: Master) -> Result<bool> {
        let deferred = std::mem::take(&mut self.deferred);
        let Some((element, end)) = deferred.payload else {
            return Ok(false);
        };
        // Each kind element's default (RFC 9559) is 0.
        if let Some(layout) = payload_layout(master, deferred.kind.unwrap_or(0)) {
            if layout.len == 0 {
                return Ok(false);
            }
            if end - element.data == layout.len as u64 && layout.fits(&self.value(&element, end)?) {
                return Ok(false);
            }
        }
        let field = match master {
            Master::Projection => "Projection private data",
            Master::BlockAdditionMapping => "Block addition configuration",
            _ => "Compression settings",
        };
        self.remove(
            &element,
            end,
            Category::Other,
            field,
            Show::Hex,
            master.path(),
        )?;
        Ok(true)
    }

    /// Zero a mandatory string value. Returns whether anything changed.
    fn neutralise(
        &mut self,
        element: &Element,
        end: u64,
        field: &str,
        place: &str,
    ) -> Result<bool> {
        let text = self.text(element, end)?;
        if text.trim_matches(char::from(0)).is_empty()
            && zero::is_zero(self.scan.src, element.data, end)?
        {
            return Ok(false);
        }
        self.scan.report(
            Finding::removed(Category::Software, field, place, &text)
                .with_fate(Fate::Zeroed)
                .with_needle(&text),
        );
        let len = end - element.data;
        self.overwrites
            .push_filler(element.data, Vec::new(), len, BLANKED)?;
        Ok(true)
    }

    /// Keep a Seek entry only when it points at an element that is kept.
    fn seek(&mut self, element: &Element, end: u64) -> Result<bool> {
        let mut children = Children::of(element, end);
        let mut target: Option<u32> = None;
        let mut only_known = true;
        while let Some((child, child_end)) = self.next_sized(&mut children)? {
            match child.id {
                id::SEEK_ID => {
                    let bytes = self.value(&child, child_end)?;
                    if bytes.len() <= 4 {
                        target = Some(bytes.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b)));
                    }
                }
                id::SEEK_POSITION if child_end - child.data <= 8 => {}
                id::VOID => {
                    self.padding(&child, child_end, "Segment/SeekHead/Seek")?;
                }
                id::CRC32 => {}
                _ => only_known = false,
            }
        }
        if only_known && target.is_some_and(|t| SEEKABLE.contains(&t)) {
            return Ok(false);
        }
        // A pointer to removed metadata; not itself worth a finding.
        self.blank(element.start, end)?;
        Ok(true)
    }
}
