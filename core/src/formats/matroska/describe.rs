//! Read-only describers: what `Tags`, `Attachments` and `Chapters` held,
//! for the report and the leak scan's needles. The elements themselves are
//! voided whole by the caller; nothing here changes the plan.

use super::{id, Walker, DEPTH};
use crate::container::ebml::{Children, Element};
use crate::error::Result;
use crate::finding::{human_size, Category, Finding};
use crate::metadata::classify::category_for_name;

impl Walker<'_, '_> {
    /// `Tags`: one finding per `SimpleTag` (RFC 9559 § 5.1.8).
    pub(super) fn describe_tags(&mut self, tags: &Element, end: u64) -> Result<()> {
        let mark = self.scan.mark();
        let mut in_tags = Children::of(tags, end);
        while let Some((tag, tag_end)) = self.next_sized(&mut in_tags)? {
            if tag.id != id::TAG {
                continue;
            }
            let mut in_tag = Children::of(&tag, tag_end);
            while let Some((simple, simple_end)) = self.next_sized(&mut in_tag)? {
                if simple.id == id::SIMPLE_TAG {
                    self.simple_tag(&simple, simple_end, 2)?;
                }
            }
        }
        self.scan.report_if_none_since(mark, || {
            Finding::removed(
                Category::Other,
                "Tags",
                "Segment/Tags",
                human_size(end - tags.start),
            )
        });
        Ok(())
    }

    /// One `SimpleTag`, then the ones nested in it.
    fn simple_tag(&mut self, simple: &Element, end: u64, depth: usize) -> Result<()> {
        let max_depth = self.scan.limits.matroska.max_depth;
        self.scan.depth(depth, max_depth, simple.start, DEPTH)?;
        let mut name = String::new();
        let mut value: Option<String> = None;
        let mut binary: Option<u64> = None;
        let mut nested: Vec<(Element, u64)> = Vec::new();
        let mut children = Children::of(simple, end);
        while let Some((child, child_end)) = self.next_sized(&mut children)? {
            match child.id {
                id::TAG_NAME => name = self.text(&child, child_end)?,
                id::TAG_STRING => value = Some(self.text(&child, child_end)?),
                id::TAG_BINARY => binary = Some(child_end - child.data),
                id::SIMPLE_TAG => nested.push((child, child_end)),
                _ => {}
            }
        }
        let shown = match (&value, binary) {
            (Some(text), _) => text.clone(),
            (None, Some(len)) => format!("binary, {}", human_size(len)),
            (None, None) => String::new(),
        };
        let mut finding = Finding::removed(
            category_for_name(&name),
            format!("Tag {name}"),
            "Segment/Tags/Tag/SimpleTag",
            shown,
        );
        if let Some(text) = &value {
            finding = finding.with_needle(text);
        }
        self.scan.report(finding);
        for (child, child_end) in nested {
            self.simple_tag(&child, child_end, depth + 1)?;
        }
        Ok(())
    }

    /// `Attachments`: one finding per `AttachedFile`.
    pub(super) fn describe_attachments(&mut self, attachments: &Element, end: u64) -> Result<()> {
        let mark = self.scan.mark();
        let mut files = Children::of(attachments, end);
        while let Some((file, file_end)) = self.next_sized(&mut files)? {
            if file.id != id::ATTACHED_FILE {
                continue;
            }
            let mut name = String::new();
            let mut media_type = String::new();
            let mut description = String::new();
            let mut data_len = 0u64;
            let mut children = Children::of(&file, file_end);
            while let Some((child, child_end)) = self.next_sized(&mut children)? {
                match child.id {
                    id::FILE_NAME => name = self.text(&child, child_end)?,
                    id::FILE_MEDIA_TYPE => media_type = self.text(&child, child_end)?,
                    id::FILE_DESCRIPTION => description = self.text(&child, child_end)?,
                    id::FILE_DATA => data_len = child_end - child.data,
                    _ => {}
                }
            }
            let mut value = format!("'{name}' ({media_type}, {})", human_size(data_len));
            if media_type.starts_with("image/") {
                value.push_str("; an attached image may carry its own GPS and camera metadata");
            }
            self.scan.report(
                Finding::removed(
                    Category::Embedded,
                    "Attached file",
                    "Segment/Attachments/AttachedFile",
                    value,
                )
                .with_needle(&name)
                .with_needle(&description),
            );
        }
        self.scan.report_if_none_since(mark, || {
            Finding::removed(
                Category::Embedded,
                "Attachments",
                "Segment/Attachments",
                human_size(end - attachments.start),
            )
        });
        Ok(())
    }

    /// `Chapters`: one finding listing every title.
    pub(super) fn describe_chapters(&mut self, chapters: &Element, end: u64) -> Result<()> {
        let mut titles: Vec<String> = Vec::new();
        self.chapter_strings(chapters, end, 1, &mut titles)?;
        let mut finding = Finding::removed(
            Category::Other,
            "Chapters",
            "Segment/Chapters",
            format!("{} title(s): {}", titles.len(), titles.join("; ")),
        );
        for title in &titles {
            finding = finding.with_needle(title);
        }
        self.scan.report(finding);
        Ok(())
    }

    /// Collect the chapter and edition strings under `parent`.
    fn chapter_strings(
        &mut self,
        parent: &Element,
        end: u64,
        depth: usize,
        titles: &mut Vec<String>,
    ) -> Result<()> {
        let max_depth = self.scan.limits.matroska.max_depth;
        self.scan.depth(depth, max_depth, parent.start, DEPTH)?;
        let mut children = Children::of(parent, end);
        while let Some((child, child_end)) = self.next_sized(&mut children)? {
            match child.id {
                id::EDITION_ENTRY
                | id::CHAPTER_ATOM
                | id::CHAPTER_DISPLAY
                | id::EDITION_DISPLAY => {
                    self.chapter_strings(&child, child_end, depth + 1, titles)?;
                }
                id::CHAP_STRING | id::EDITION_STRING | id::CHAPTER_STRING_UID => {
                    titles.push(self.text(&child, child_end)?);
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// `DateUTC` (signed nanoseconds since 2001-01-01T00:00:00 UTC) as text.
pub(super) fn date_utc(bytes: &[u8]) -> String {
    if bytes.len() != 8 {
        return format!("{} bytes", bytes.len());
    }
    let raw = bytes.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b)) as i64;
    // 2001-01-01 is day 11323 of the Unix epoch.
    let seconds = raw.div_euclid(1_000_000_000) + 11_323 * 86_400;
    crate::metadata::time::unix_utc(seconds)
}
