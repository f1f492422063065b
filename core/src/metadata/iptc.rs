//! Photoshop image resources (`8BIM` blocks, JPEG APP13) and the IPTC-IIM
//! records inside them.

use crate::finding::{human_size, Category, Finding};

/// Describe a Photoshop image-resource block (after the `Photoshop 3.0\0`
/// signature). All findings are marked removed.
pub fn describe_photoshop(data: &[u8], place: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut others = 0usize;
    let mut pos = 0usize;
    while let Some(block) = data.get(pos..) {
        let Some(&[b'8', b'B', b'I', b'M', id_hi, id_lo, name_len, ..]) = block.get(..12) else {
            break;
        };
        let id = u16::from_be_bytes([id_hi, id_lo]);
        let name_len = usize::from(name_len);
        // Pascal name padded so that length byte + name is even.
        let name_total = (1 + name_len + 1) & !1;
        let size_at = 6 + name_total;
        let Some(size) = block
            .get(size_at..size_at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
        else {
            break;
        };
        let size = size as usize;
        let body_at = size_at + 4;
        let Some(body) = block.get(body_at..body_at.saturating_add(size)) else {
            findings.push(Finding::removed(
                Category::Other,
                "Photoshop resource (truncated)",
                place,
                format!("resource 0x{id:04X}"),
            ));
            break;
        };
        match id {
            0x0404 => findings.extend(describe_iptc(body, &format!("{place}/IPTC"))),
            0x0409 | 0x040C => findings.push(Finding::removed(
                Category::Embedded,
                "Thumbnail image",
                format!("{place}/8BIM 0x{id:04X}"),
                human_size(size as u64),
            )),
            0x0422 | 0x0423 => findings.extend(
                crate::metadata::exif::describe(body, &format!("{place}/8BIM EXIF")).findings,
            ),
            0x0424 => findings.extend(crate::metadata::xmp::describe(
                body,
                &format!("{place}/8BIM XMP"),
            )),
            _ => others += 1,
        }
        pos += body_at + ((size + 1) & !1);
    }
    if others > 0 || findings.is_empty() {
        findings.push(Finding::removed(
            Category::Other,
            "Photoshop image resources",
            place,
            format!("{others} resources, {}", human_size(data.len() as u64)),
        ));
    }
    findings
}

/// IPTC-IIM dataset names and categories for record 2 (application record).
fn dataset(record: u8, number: u8) -> Option<(Category, &'static str)> {
    if record != 2 {
        return None;
    }
    Some(match number {
        55 => (Category::Time, "IPTC date created"),
        60 => (Category::Time, "IPTC time created"),
        62 => (Category::Time, "IPTC digital creation date"),
        63 => (Category::Time, "IPTC digital creation time"),
        30 => (Category::Time, "IPTC release date"),
        80 => (Category::Identity, "IPTC by-line"),
        85 => (Category::Identity, "IPTC by-line title"),
        110 => (Category::Identity, "IPTC credit"),
        115 => (Category::Identity, "IPTC source"),
        116 => (Category::Identity, "IPTC copyright notice"),
        118 => (Category::Identity, "IPTC contact"),
        122 => (Category::Identity, "IPTC writer/editor"),
        90 => (Category::Location, "IPTC city"),
        92 => (Category::Location, "IPTC sub-location"),
        95 => (Category::Location, "IPTC province/state"),
        100 => (Category::Location, "IPTC country code"),
        101 => (Category::Location, "IPTC country"),
        65 => (Category::Software, "IPTC originating program"),
        70 => (Category::Software, "IPTC program version"),
        _ => return None,
    })
}

/// Describe IPTC-IIM datasets.
pub fn describe_iptc(data: &[u8], place: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut others = 0usize;
    let mut pos = 0usize;
    while let Some(&[marker, record, number, len_hi, len_lo]) = data.get(pos..pos + 5) {
        if marker != 0x1C {
            break;
        }
        let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
        if len & 0x8000 != 0 {
            break; // extended datasets are not used for text; stop here
        }
        let Some(value) = data.get(pos + 5..pos + 5 + len) else {
            break;
        };
        match dataset(record, number)
            .filter(|_| value.iter().any(|b| !b.is_ascii_whitespace() && *b != 0))
        {
            Some((category, name)) => {
                let text = String::from_utf8_lossy(value);
                findings.push(Finding::removed(category, name, place, &text).with_needle(value));
            }
            None => others += 1,
        }
        pos += 5 + len;
    }
    if others > 0 {
        findings.push(Finding::removed(
            Category::Other,
            "Other IPTC datasets",
            place,
            format!("{others} datasets (captions, keywords, ...)"),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iptc_inside_8bim() {
        let mut iptc = vec![0x1C, 2, 80, 0, 8];
        iptc.extend_from_slice(b"John Doe");
        let mut block = b"8BIM\x04\x04\0\0".to_vec();
        block.extend_from_slice(&(iptc.len() as u32).to_be_bytes());
        block.extend_from_slice(&iptc);
        let findings = describe_photoshop(&block, "APP13");
        assert!(findings
            .iter()
            .any(|f| f.category == Category::Identity && f.value == "John Doe"));
    }

    #[test]
    fn truncated_blocks_do_not_panic() {
        for cut in 0..20 {
            let block = b"8BIM\x04\x04\0\0\0\0\0\x10\x1c\x02\x50\x00\x08John";
            let _ = describe_photoshop(&block[..cut.min(block.len())], "x");
        }
    }
}
