//! ICC colour profiles (ICC.1:2022, formerly ICC.1:2010 and v2 ICC.1:2001):
//! keep the colour data, neutralise what identifies the person, machine or
//! software that made the profile.
//!
//! A profile embedded by an editor or a calibration tool carries its
//! creation date, the device manufacturer and model, the creator's
//! software, and free text (the description often names the user's
//! monitor, e.g. "DELL U2312HM Color Profile"). None of that changes how
//! colours are converted. [`neutralise`] rebuilds the profile at the same
//! length:
//!
//! - the header keeps version, class, colour spaces, flags, rendering intent
//!   and illuminant; the preferred CMM, date, platform, device
//!   manufacturer/model/attributes and creator are zeroed, reserved bytes
//!   forced to zero, and a non-zero profile ID is recomputed (MD5, ICC.1
//!   § 7.2.18);
//! - the tag table is kept;
//! - colour tags (TRCs, matrices, LUTs, chromatic adaptation, …) are kept;
//!   for the simple types (`XYZ `, `curv`, `para`, `sf32`) only the bytes
//!   their structure declares are kept, slack after them is zeroed;
//! - text and every other tag (`desc`, `cprt`, `dmnd`, `dmdd`, `dscm`,
//!   `mmod`, `vcgt`, private tags) become empty values of their type;
//! - every byte not accounted for above (gaps between tags, bytes after the
//!   declared size) is zeroed.
//!
//! A profile that cannot be walked is an error: the caller drops it.

use md5::{Digest, Md5};

use crate::error::{Error, Malformation, Result};
use crate::finding::{Category, Fate, Finding};

const STRUCTURE: &str = "ICC profile";
const HEADER_LEN: usize = 128;
/// Most tags accepted in one profile (real profiles hold a few dozen).
const MAX_TAGS: usize = 1024;

/// Tags whose data colour management needs: kept.
const COLOUR_TAGS: &[&[u8; 4]] = &[
    b"A2B0", b"A2B1", b"A2B2", b"A2B3", b"A2M0", b"B2A0", b"B2A1", b"B2A2", b"B2A3", b"D2B0",
    b"D2B1", b"D2B2", b"D2B3", b"B2D0", b"B2D1", b"B2D2", b"B2D3", b"bXYZ", b"bTRC", b"bkpt",
    b"chad", b"chrm", b"cicp", b"clro", b"clrt", b"clot", b"gamt", b"gTRC", b"gXYZ", b"kTRC",
    b"lumi", b"meas", b"ncl2", b"pre0", b"pre1", b"pre2", b"rTRC", b"rXYZ", b"rig0", b"rig2",
    b"tech", b"view", b"wtpt", b"ciis", b"arts", b"aabg", b"aagg", b"aarg", b"MHC2",
];

/// A neutralised profile and what was found in the original.
#[derive(Debug)]
pub(crate) struct Neutralised {
    /// The profile, same length as the input.
    pub bytes: Vec<u8>,
    /// One finding per identifying value found (fate: zeroed).
    pub findings: Vec<Finding>,
}

/// Neutralise `profile`, found at `place` (for findings).
pub(crate) fn neutralise(profile: &[u8], place: &str) -> Result<Neutralised> {
    let header = profile
        .get(..HEADER_LEN)
        .ok_or_else(|| Error::truncated(STRUCTURE, 0, "shorter than its 128-byte header"))?;
    if header.get(36..40) != Some(b"acsp") {
        return Err(Error::malformed(STRUCTURE, 36, "no 'acsp' signature"));
    }
    let declared = be_u32(profile, 0)? as usize;
    if declared > profile.len() || declared < HEADER_LEN + 4 {
        return Err(Error::overrun(
            STRUCTURE,
            0,
            format!("declares {declared} bytes but {} are there", profile.len()),
        ));
    }
    let mut findings = Vec::new();
    let mut out = vec![0u8; profile.len()];
    neutral_header(header, &mut out, place, &mut findings)?;

    let count = be_u32(profile, HEADER_LEN)? as usize;
    let table_end = count
        .checked_mul(12)
        .and_then(|n| n.checked_add(HEADER_LEN + 4))
        .filter(|end| *end <= declared && count <= MAX_TAGS)
        .ok_or_else(|| {
            Error::overrun(
                STRUCTURE,
                HEADER_LEN as u64,
                format!("{count} tags do not fit"),
            )
        })?;
    copy(profile, &mut out, HEADER_LEN..table_end)?;

    let mut tags = Vec::with_capacity(count);
    for index in 0..count {
        let at = HEADER_LEN + 4 + index * 12;
        let signature: [u8; 4] = array(profile, at)?;
        let offset = be_u32(profile, at + 4)? as usize;
        let size = be_u32(profile, at + 8)? as usize;
        let end = offset.checked_add(size).filter(|end| *end <= declared);
        let Some(end) = end.filter(|_| offset >= table_end) else {
            return Err(Error::overrun(
                STRUCTURE,
                at as u64,
                format!("tag '{}' lies outside the profile", text4(&signature)),
            ));
        };
        tags.push((signature, offset..end));
    }

    // Kept colour data first; text tags may not share bytes with it.
    let mut kept: Vec<std::ops::Range<usize>> = Vec::new();
    for (signature, range) in &tags {
        if COLOUR_TAGS.contains(&signature) {
            let used = structure_len(profile, range)?;
            let keep = range.start..range.start + used;
            copy(profile, &mut out, keep.clone())?;
            kept.push(keep);
        }
    }
    for (signature, range) in &tags {
        if COLOUR_TAGS.contains(&signature) {
            continue;
        }
        if kept
            .iter()
            .any(|k| k.start < range.end && range.start < k.end)
        {
            return Err(Error::malformed_as(
                Malformation::Invalid,
                STRUCTURE,
                range.start as u64,
                format!("tag '{}' shares bytes with colour data", text4(signature)),
            ));
        }
        let data = profile.get(range.clone()).unwrap_or_default();
        if let Some(finding) = describe_tag(signature, data, place) {
            findings.push(finding);
        }
        let neutral = empty_value(data);
        let target = out
            .get_mut(range.start..range.start + neutral.len())
            .ok_or_else(|| Error::overrun(STRUCTURE, range.start as u64, "tag past the end"))?;
        target.copy_from_slice(&neutral);
    }
    if out.get(declared..).is_some_and(|rest| !rest.is_empty())
        && profile
            .get(declared..)
            .is_some_and(|rest| rest.iter().any(|b| *b != 0))
    {
        findings.push(
            Finding::removed(
                Category::Other,
                "Bytes after the ICC profile",
                place,
                crate::finding::human_size((profile.len() - declared) as u64),
            )
            .with_fate(Fate::Zeroed),
        );
    }
    if header
        .get(84..100)
        .is_some_and(|id| id.iter().any(|b| *b != 0))
    {
        let id = profile_id(out.get(..declared).unwrap_or_default());
        if let Some(target) = out.get_mut(84..100) {
            target.copy_from_slice(&id);
        }
    }
    Ok(Neutralised {
        bytes: out,
        findings,
    })
}

/// Copy the header fields colour management needs; report the others.
fn neutral_header(
    header: &[u8],
    out: &mut [u8],
    place: &str,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    // size, version, class, colour space, PCS; 'acsp'; flags; rendering
    // intent and illuminant (the profile ID is recomputed later).
    for keep in [0..4, 8..24, 36..40, 44..48, 64..80] {
        copy(header, out, keep)?;
    }
    let nonzero = |range: std::ops::Range<usize>| {
        header
            .get(range)
            .filter(|b| b.iter().any(|b| *b != 0))
            .map(<[u8]>::to_vec)
    };
    if let Some(date) = nonzero(24..36) {
        let field = |i: usize| {
            date.get(i..i + 2)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u16::from_be_bytes)
        };
        let value = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            field(0),
            field(2),
            field(4),
            field(6),
            field(8),
            field(10)
        );
        findings.push(zeroed(Category::Time, "ICC profile date", place, value));
    }
    for (range, category, field) in [
        (4..8, Category::Software, "ICC preferred colour engine"),
        (40..44, Category::Software, "ICC primary platform"),
        (48..52, Category::Device, "ICC device manufacturer"),
        (52..56, Category::Device, "ICC device model"),
        (80..84, Category::Software, "ICC profile creator"),
    ] {
        if let Some(bytes) = nonzero(range) {
            findings.push(zeroed(category, field, place, signature_text(&bytes)));
        }
    }
    if nonzero(56..64).is_some() {
        findings.push(zeroed(
            Category::Device,
            "ICC device attributes",
            place,
            "set",
        ));
    }
    if nonzero(100..128).is_some() {
        findings.push(zeroed(
            Category::Other,
            "ICC reserved header bytes",
            place,
            "not zero",
        ));
    }
    Ok(())
}

/// How many bytes of a kept tag its structure uses: the simple fixed
/// layouts are checked (slack after them is not copied), the others are
/// kept whole.
fn structure_len(profile: &[u8], range: &std::ops::Range<usize>) -> Result<usize> {
    let data = profile.get(range.clone()).unwrap_or_default();
    let size = data.len();
    let Some(kind) = data.get(..4) else {
        return Err(Error::truncated(
            STRUCTURE,
            range.start as u64,
            "tag shorter than its type signature",
        ));
    };
    let count_at = |at: usize| -> Option<usize> {
        data.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
            .map(|n| n as usize)
    };
    let used = match kind {
        b"XYZ " => Some(8 + (size.saturating_sub(8) / 12) * 12),
        b"sf32" => Some(8 + (size.saturating_sub(8) / 4) * 4),
        b"curv" => count_at(8).and_then(|n| n.checked_mul(2)).map(|n| 12 + n),
        b"para" => data
            .get(8..10)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_be_bytes)
            .and_then(|function| match function {
                0 => Some(1),
                1 => Some(3),
                2 => Some(4),
                3 => Some(5),
                4 => Some(7),
                _ => None,
            })
            .map(|params| 12 + 4 * params),
        _ => Some(size),
    };
    match used {
        Some(used) if used <= size => Ok(used),
        _ => Err(Error::overrun(
            STRUCTURE,
            range.start as u64,
            format!("'{}' tag data does not fit its {size} bytes", text4(kind)),
        )),
    }
}

/// The finding for a non-colour tag, when it holds anything.
fn describe_tag(signature: &[u8; 4], data: &[u8], place: &str) -> Option<Finding> {
    let text = tag_text(data);
    let (category, field) = match signature {
        b"desc" => (Category::Other, "ICC profile description"),
        b"dscm" => (Category::Other, "ICC profile description (localised)"),
        b"cprt" => (Category::Other, "ICC profile copyright"),
        b"dmnd" => (Category::Device, "ICC device manufacturer name"),
        b"dmdd" => (Category::Device, "ICC device model name"),
        b"mmod" => (Category::Device, "ICC make and model"),
        b"vued" => (Category::Other, "ICC viewing conditions description"),
        b"targ" => (Category::Other, "ICC characterisation target"),
        b"calt" => (Category::Time, "ICC calibration date"),
        b"vcgt" => (Category::Device, "ICC display calibration (vcgt)"),
        _ => (Category::Other, "ICC private tag"),
    };
    let neutral = empty_value(data);
    let already_neutral = data.starts_with(&neutral)
        && data
            .get(neutral.len()..)
            .unwrap_or_default()
            .iter()
            .all(|b| *b == 0);
    if text.is_empty() && already_neutral {
        return None;
    }
    let value = if text.is_empty() {
        format!("'{}', {} bytes", text4(signature), data.len())
    } else {
        text.clone()
    };
    Some(zeroed(category, field, place, &value).with_needle(text.as_bytes()))
}

/// The text of a `desc`, `text` or `mluc` tag (first string), or empty.
fn tag_text(data: &[u8]) -> String {
    let kind = data.get(..4).unwrap_or_default();
    let ascii = |bytes: &[u8]| -> String {
        bytes
            .iter()
            .take_while(|b| **b != 0)
            .map(|b| char::from(*b))
            .filter(|c| !c.is_control())
            .collect()
    };
    match kind {
        b"text" => ascii(data.get(8..).unwrap_or_default()),
        b"desc" => {
            let len = data
                .get(8..12)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u32::from_be_bytes) as usize;
            ascii(
                data.get(12..12usize.saturating_add(len))
                    .unwrap_or_default(),
            )
        }
        b"mluc" => {
            let record = |at: usize| -> Option<(usize, usize)> {
                let len = u32::from_be_bytes(data.get(at + 4..at + 8)?.try_into().ok()?);
                let off = u32::from_be_bytes(data.get(at + 8..at + 12)?.try_into().ok()?);
                Some((off as usize, len as usize))
            };
            let Some((off, len)) = record(16) else {
                return String::new();
            };
            let units: Vec<u16> = data
                .get(off..off.saturating_add(len))
                .unwrap_or_default()
                .chunks_exact(2)
                .filter_map(|pair| pair.try_into().ok().map(u16::from_be_bytes))
                .collect();
            String::from_utf16_lossy(&units)
                .chars()
                .filter(|c| !c.is_control())
                .collect()
        }
        _ => String::new(),
    }
}

/// An empty value of the same type as `data` (its leading bytes; the rest
/// of the tag is zero): readers find a valid, empty tag.
fn empty_value(data: &[u8]) -> Vec<u8> {
    match data.get(..4) {
        Some(b"mluc") if data.len() >= 16 => {
            // No records, record size 12 (readers check it).
            let mut out = b"mluc\0\0\0\0\0\0\0\0".to_vec();
            out.extend_from_slice(&12u32.to_be_bytes());
            out
        }
        Some(kind @ (b"desc" | b"text")) => kind.to_vec(),
        _ => Vec::new(),
    }
}

/// The profile ID: MD5 of the profile with flags, rendering intent and the
/// ID itself zeroed (ICC.1 § 7.2.18).
fn profile_id(profile: &[u8]) -> [u8; 16] {
    let mut hasher = Md5::new();
    let mut copy = profile.to_vec();
    for range in [44..48, 64..68, 84..100] {
        if let Some(field) = copy.get_mut(range) {
            field.fill(0);
        }
    }
    hasher.update(&copy);
    hasher.finalize().into()
}

fn zeroed(category: Category, field: &str, place: &str, value: impl AsRef<str>) -> Finding {
    Finding::removed(category, field, place, value).with_fate(Fate::Zeroed)
}

fn copy(from: &[u8], to: &mut [u8], range: std::ops::Range<usize>) -> Result<()> {
    let at = range.start as u64;
    let source = from
        .get(range.clone())
        .ok_or_else(|| Error::overrun(STRUCTURE, at, "range past the end"))?;
    to.get_mut(range)
        .ok_or_else(|| Error::overrun(STRUCTURE, at, "range past the end"))?
        .copy_from_slice(source);
    Ok(())
}

fn be_u32(data: &[u8], at: usize) -> Result<u32> {
    Ok(u32::from_be_bytes(array(data, at)?))
}

fn array(data: &[u8], at: usize) -> Result<[u8; 4]> {
    data.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::truncated(STRUCTURE, at as u64, "truncated"))
}

fn text4(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                char::from(*b)
            } else {
                '.'
            }
        })
        .collect()
}

/// A 4-byte signature as text when printable, else hex.
fn signature_text(bytes: &[u8]) -> String {
    if bytes
        .iter()
        .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == 0)
    {
        text4(bytes).trim_end_matches('.').to_string()
    } else {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small v2-style display profile with identifying fields.
    pub(crate) fn sample_profile() -> Vec<u8> {
        let mut tags: Vec<([u8; 4], Vec<u8>)> = Vec::new();
        let mut desc = b"desc\0\0\0\0".to_vec();
        let text = b"DELL U2312HM Color Profile\0";
        desc.extend_from_slice(&(text.len() as u32).to_be_bytes());
        desc.extend_from_slice(text);
        desc.resize(desc.len() + 79, 0);
        tags.push((*b"desc", desc));
        tags.push((*b"cprt", b"text\0\0\0\0Copyright Jane Planted\0".to_vec()));
        let mut xyz = b"XYZ \0\0\0\0".to_vec();
        xyz.extend_from_slice(&[0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D]);
        tags.push((*b"wtpt", xyz.clone()));
        let mut curv = b"curv\0\0\0\0\0\0\0\x01".to_vec();
        curv.extend_from_slice(&[0x02, 0x33]);
        curv.extend_from_slice(b"HID"); // slack after the structure
        tags.push((*b"rTRC", curv));
        let mut mluc = b"mluc\0\0\0\0\0\0\0\x01\0\0\0\x0c".to_vec();
        mluc.extend_from_slice(b"enUS");
        mluc.extend_from_slice(&16u32.to_be_bytes());
        mluc.extend_from_slice(&28u32.to_be_bytes());
        mluc.extend(
            "PlantedCam"
                .encode_utf16()
                .flat_map(|u| u.to_be_bytes())
                .chain([0, 0, 0, 0]),
        );
        tags.push((*b"dmnd", mluc));

        let table_len = 4 + 12 * tags.len();
        let mut body = Vec::new();
        let mut table = (tags.len() as u32).to_be_bytes().to_vec();
        for (sig, data) in &tags {
            let offset = HEADER_LEN + table_len + body.len();
            table.extend_from_slice(sig);
            table.extend_from_slice(&(offset as u32).to_be_bytes());
            table.extend_from_slice(&(data.len() as u32).to_be_bytes());
            body.extend_from_slice(data);
            while body.len() % 4 != 0 {
                body.push(0);
            }
        }
        let mut header = vec![0u8; HEADER_LEN];
        let total = HEADER_LEN + table.len() + body.len();
        header[0..4].copy_from_slice(&(total as u32).to_be_bytes());
        header[4..8].copy_from_slice(b"lcms");
        header[8..12].copy_from_slice(&[2, 0x10, 0, 0]);
        header[12..16].copy_from_slice(b"mntr");
        header[16..20].copy_from_slice(b"RGB ");
        header[20..24].copy_from_slice(b"XYZ ");
        header[24..36].copy_from_slice(&[0x07, 0xE8, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9]);
        header[36..40].copy_from_slice(b"acsp");
        header[40..44].copy_from_slice(b"APPL");
        header[48..52].copy_from_slice(b"DELL");
        header[52..56].copy_from_slice(b"2312");
        header[80..84].copy_from_slice(b"Jane");
        header[84..100].copy_from_slice(&[0xAB; 16]);
        [header, table, body].concat()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn identifying_fields_go_and_colour_data_stays() {
        let profile = sample_profile();
        let done = neutralise(&profile, "test").unwrap();
        assert_eq!(done.bytes.len(), profile.len());
        for secret in [&b"DELL"[..], b"2312", b"Jane", b"lcms", b"APPL", b"HID"] {
            assert!(!contains(&done.bytes, secret), "{secret:?}");
        }
        let utf16: Vec<u8> = "PlantedCam"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert!(!contains(&done.bytes, &utf16));
        assert_eq!(&done.bytes[24..36], &[0; 12]);
        // Colour data and structure are untouched.
        assert!(contains(
            &done.bytes,
            &[0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D]
        ));
        assert!(contains(&done.bytes, b"curv\0\0\0\0\0\0\0\x01\x02\x33"));
        assert_eq!(&done.bytes[..4], &profile[..4]);
        assert_eq!(&done.bytes[8..24], &profile[8..24]);
        assert_eq!(&done.bytes[36..40], b"acsp");
        // The ID was set, so it is recomputed over the neutral profile.
        assert_eq!(&done.bytes[84..100], &profile_id(&done.bytes));
        let fields: Vec<&str> = done.findings.iter().map(|f| f.field.as_str()).collect();
        for expected in [
            "ICC profile date",
            "ICC device manufacturer",
            "ICC profile creator",
            "ICC profile description",
            "ICC profile copyright",
            "ICC device manufacturer name",
        ] {
            assert!(fields.contains(&expected), "{expected}: {fields:?}");
        }
        let desc = done
            .findings
            .iter()
            .find(|f| f.field == "ICC profile description")
            .unwrap();
        assert_eq!(desc.value, "DELL U2312HM Color Profile");
        assert!(!desc.needles.is_empty());
    }

    #[test]
    fn a_neutral_profile_has_nothing_left_to_report() {
        let once = neutralise(&sample_profile(), "test").unwrap();
        let twice = neutralise(&once.bytes, "test").unwrap();
        assert!(twice.findings.is_empty(), "{:?}", twice.findings);
        assert_eq!(twice.bytes, once.bytes);
    }

    #[test]
    fn broken_profiles_are_errors_not_panics() {
        let profile = sample_profile();
        for cut in [0, 10, 127, 128, 131, 140] {
            assert!(neutralise(&profile[..cut], "t").is_err(), "{cut}");
        }
        let mut bad = profile.clone();
        bad[128..132].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(neutralise(&bad, "t").is_err());
        let mut outside = profile.clone();
        outside[136..140].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(neutralise(&outside, "t").is_err());
        let mut no_acsp = profile;
        no_acsp[36] = b'x';
        assert!(neutralise(&no_acsp, "t").is_err());
    }
}
