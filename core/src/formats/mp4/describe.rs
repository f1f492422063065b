//! Describing metadata boxes as findings: `udta` atoms, `meta`/`keys`/`ilst`
//! item lists, `uuid` boxes. Everything described here is removed whole, so
//! these readers are tolerant: a malformed payload is reported by its size
//! rather than failing the file.

use crate::container::isobmff::{fourcc_name, BoxHeader, Children, FourCc};
use crate::error::Result;
use crate::finding::{human_size, preview, Category, Finding, MAX_FINDINGS};
use crate::io::cursor::{be_uint, Reader};
use crate::metadata::{classify::category_for_name, xmp};
use crate::scan::Scan;

/// `uuid` of an XMP packet box.
pub(crate) const XMP_UUID: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];
/// `uuid` of a C2PA manifest box.
pub(crate) const C2PA_UUID: [u8; 16] = [
    0xD8, 0xFE, 0xC3, 0xD6, 0x1B, 0x0E, 0x48, 0x3C, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7E, 0xC4, 0x81,
];

/// Name and category of well-known metadata atoms (QuickTime user data,
/// iTunes item lists, 3GPP asset boxes, camera vendors).
fn atom_info(kind: &FourCc) -> Option<(&'static str, Category)> {
    use Category::*;
    let info = match kind {
        b"\xA9xyz" => ("GPS coordinates (ISO 6709)", Location),
        b"loci" => ("Location information", Location),
        b"\xA9lox" | b"\xA9loc" => ("Location", Location),
        b"\xA9mak" => ("Make", Device),
        b"\xA9mod" => ("Model", Device),
        b"\xA9swr" => ("Software", Software),
        b"\xA9too" => ("Encoder", Software),
        b"\xA9enc" => ("Encoded by", Identity),
        b"\xA9day" | b"date" => ("Date", Time),
        b"yrrc" => ("Recording year", Time),
        b"\xA9TIM" | b"\xA9TSC" | b"\xA9TSZ" => ("Timecode", Time),
        b"\xA9nam" | b"titl" => ("Title", Other),
        b"\xA9ART" | b"auth" | b"perf" | b"\xA9aut" | b"\xA9prf" => ("Artist / author", Identity),
        b"aART" | b"soaa" | b"soar" => ("Album artist", Identity),
        b"\xA9wrt" | b"\xA9com" => ("Composer", Identity),
        b"cprt" | b"\xA9cpy" => ("Copyright", Identity),
        b"\xA9dir" | b"\xA9prd" => ("Director / producer", Identity),
        b"\xA9cmt" => ("Comment", Other),
        b"dscp" | b"\xA9des" | b"desc" | b"ldes" | b"\xA9inf" => ("Description", Other),
        b"kywd" | b"\xA9key" => ("Keywords", Other),
        b"\xA9alb" | b"albm" => ("Album", Other),
        b"\xA9gen" | b"gnre" => ("Genre", Other),
        b"clfn" => ("Original file name", Identity),
        b"covr" => ("Cover art", Embedded),
        b"thmb" | b"PICT" | b"pnot" => ("Thumbnail image", Embedded),
        b"FIRM" => ("GoPro firmware version", Software),
        b"AMBA" => ("GoPro encoder settings", Software),
        b"LENS" => ("GoPro lens serial number", Device),
        b"CAME" => ("GoPro camera serial hash", Device),
        b"MUID" => ("GoPro media unique ID", Device),
        b"GUMI" => ("GoPro global media unique ID", Device),
        b"BCID" => ("GoPro body/camera ID", Device),
        b"GPMF" => ("GoPro GPMF metadata (model, serial, settings)", Device),
        b"HMMT" => ("GoPro HiLight tags", Other),
        b"SETT" => ("GoPro camera settings", Other),
        b"Cr8r" => ("Adobe creator application", Software),
        b"SDLN" | b"smrd" | b"smta" => ("Samsung recording metadata", Other),
        b"Xtra" => ("Windows media tags", Other),
        b"name" => ("Track name", Other),
        b"hnti" | b"hinf" => ("Hint information", Other),
        b"TAGS" => ("Vendor tags", Other),
        _ => return None,
    };
    Some(info)
}

/// Deepest nesting of `udta`/`meta` inside each other that is described.
const MAX_NESTING: usize = 8;

/// Whether values of this category are also searched for in the output.
/// Software names are not: encoder strings legitimately occur inside codec
/// bitstreams (for example x264's SEI), which would refuse clean files.
fn wants_needle(category: Category) -> bool {
    category != Category::Software
}

fn text_finding(category: Category, field: &str, place: &str, value: &str) -> Finding {
    let finding = Finding::removed(category, field, place, value);
    if wants_needle(category) {
        finding.with_needle(value.as_bytes())
    } else {
        finding
    }
}

/// A position as an ISO 6709 string (`+48.8584+002.2945/`). It is also
/// searched for without its trailing `/`, and by its latitude alone.
fn iso6709_finding(field: &str, place: &str, text: &str) -> Finding {
    let bare = text.trim_end_matches('/');
    let latitude: String = bare
        .char_indices()
        .take_while(|(i, c)| *i == 0 || !matches!(c, '+' | '-'))
        .map(|(_, c)| c)
        .collect();
    Finding::removed(Category::Location, field, place, format!("ISO 6709 {text}"))
        .with_needle(text)
        .with_needle(bare)
        .with_needle(latitude)
}

/// Printable text of a byte string, or `None` when it looks binary.
fn as_text(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let printable = text
        .chars()
        .all(|c| !c.is_control() || c == '\n' || c == '\r' || c == '\t');
    (printable && !text.is_empty()).then(|| text.to_string())
}

fn binary_summary(bytes: &[u8]) -> String {
    human_size(bytes.len() as u64)
}

/// Decode a QuickTime text atom body: `(u16 length, u16 language, text)*`.
fn quicktime_text(body: &[u8]) -> Option<String> {
    let mut r = Reader::new(body, 0, "QuickTime text atom");
    let mut parts = Vec::new();
    while r.remaining() >= 4 {
        let len = r.u16().ok()?;
        r.u16().ok()?; // language
        let text = r.bytes(usize::from(len)).ok()?;
        parts.push(as_text(text).unwrap_or_default());
    }
    if r.rest().iter().any(|b| *b != 0) || parts.is_empty() {
        return None;
    }
    Some(parts.join("; "))
}

/// Big-endian UTF-16 code units (a trailing odd byte is ignored).
fn utf16_units(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .filter_map(|unit| unit.try_into().ok())
        .map(u16::from_be_bytes)
}

/// Decode a 3GPP asset box body: `FullBox, language (2), string`.
fn asset_text(body: &[u8]) -> Option<String> {
    let text = body.get(6..)?;
    if text.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16_units(text.get(2..)?)
            .take_while(|u| *u != 0)
            .collect();
        return String::from_utf16(&units).ok();
    }
    let end = text.iter().position(|b| *b == 0).unwrap_or(text.len());
    as_text(text.get(..end)?)
}

/// Describe a 3GPP `loci` box (3GPP TS 26.244): FullBox, language, name,
/// role, then longitude, latitude and altitude in 16.16 fixed point.
fn loci_text(body: &[u8]) -> Option<String> {
    let text = body.get(6..)?;
    let name_end = text.iter().position(|b| *b == 0)?;
    let name = String::from_utf8_lossy(text.get(..name_end)?).into_owned();
    // Past the name's NUL and the role byte.
    let mut r = Reader::new(text.get(name_end + 2..)?, 0, "MP4 loci");
    let mut fixed = || -> Option<f64> { Some(f64::from(r.u32().ok()? as i32) / 65536.0) };
    let (longitude, latitude, altitude) = (fixed()?, fixed()?, fixed()?);
    Some(format!(
        "{name} lat {latitude:.5} lon {longitude:.5} alt {altitude:.1}"
    ))
}

/// The value of an iTunes-style `data` box, as reported.
#[derive(Debug)]
struct DataValue {
    /// What the report shows.
    shown: String,
    /// The value as text, when it is text (searched for in the output).
    text: Option<String>,
    /// Whether it is an image (cover art).
    image: bool,
}

impl DataValue {
    fn new(shown: String, text: Option<String>, image: bool) -> Self {
        DataValue { shown, text, image }
    }
}

/// Describe an iTunes-style `data` box: type indicator (a type-set byte,
/// then a 24-bit type), locale, value.
fn data_value(data_body: &[u8]) -> DataValue {
    let mut r = Reader::new(data_body, 0, "MP4 data");
    let Ok(kind) = r.u8().and_then(|_type_set| r.u24()) else {
        return DataValue::new(String::new(), None, false);
    };
    let value = r.skip(4).map(|()| r.rest()).unwrap_or_default(); // locale
    match kind {
        1 => match as_text(value) {
            Some(text) => DataValue::new(text.clone(), Some(text), false),
            None => DataValue::new(binary_summary(value), None, false),
        },
        2 => {
            let units: Vec<u16> = utf16_units(value).collect();
            let text = String::from_utf16_lossy(&units);
            DataValue::new(text.clone(), Some(text), false)
        }
        13 => DataValue::new(format!("JPEG image, {}", binary_summary(value)), None, true),
        14 => DataValue::new(format!("PNG image, {}", binary_summary(value)), None, true),
        27 => DataValue::new(format!("BMP image, {}", binary_summary(value)), None, true),
        21 | 22 if value.len() <= 8 => DataValue::new(be_uint(value).to_string(), None, false),
        _ => DataValue::new(binary_summary(value), None, false),
    }
}

/// Report every `data` child of an item (iTunes and Apple `mdta` item
/// lists keep the value there). A text value of an ISO 6709 key is
/// reported as a position.
fn describe_data_children(
    item_body: &[u8],
    field: &str,
    category: Category,
    iso6709: bool,
    place: &str,
    out: &mut Vec<Finding>,
) {
    for child in Children::new(item_body, 0).map_while(Result::ok) {
        if out.len() > MAX_FINDINGS {
            return;
        }
        if child.kind() != *b"data" {
            continue;
        }
        let value = data_value(child.body);
        let category = if value.image {
            Category::Embedded
        } else {
            category
        };
        out.push(match value.text {
            Some(text) if iso6709 => iso6709_finding(field, place, &text),
            Some(text) => text_finding(category, field, place, &text),
            None => Finding::removed(category, field, place, value.shown),
        });
    }
}

/// Report one atom of a `udta` (or one item of an `ilst` with a known type).
fn describe_atom(kind: &FourCc, body: &[u8], place: &str, depth: usize, out: &mut Vec<Finding>) {
    let place_here = format!("{place}/{}", fourcc_name(kind));
    match kind {
        b"meta" => return meta_at(body, &place_here, depth + 1, out),
        b"XMP_" => {
            out.extend(xmp::describe(body, &place_here));
            return;
        }
        b"udta" => return udta_at(body, &place_here, depth + 1, out),
        b"free" | b"skip" | b"wide" => {
            if body.iter().any(|b| *b != 0) {
                out.push(Finding::removed(
                    Category::Other,
                    "Padding with leftover data",
                    place_here,
                    binary_summary(body),
                ));
            }
            return;
        }
        _ => {}
    }
    let (field, category) = atom_info(kind).unwrap_or(("Unknown metadata atom", Category::Other));
    // iTunes style: a `data` child holds the value.
    if body.get(4..8) == Some(b"data") {
        return describe_data_children(body, field, category, false, &place_here, out);
    }
    let text = match kind {
        b"loci" => loci_text(body),
        [0xA9, ..] => quicktime_text(body).or_else(|| as_text(body)),
        b"titl" | b"dscp" | b"cprt" | b"perf" | b"auth" | b"gnre" | b"albm" | b"kywd" | b"clsf" => {
            asset_text(body)
        }
        _ => as_text(body),
    };
    let field = if atom_info(kind).is_none() {
        format!("Metadata atom '{}'", fourcc_name(kind))
    } else {
        field.to_string()
    };
    match text {
        Some(text) => {
            let finding = if kind == b"\xA9xyz" {
                iso6709_finding(&field, &place_here, &text)
            } else {
                text_finding(category, &field, &place_here, &text)
            };
            out.push(finding);
        }
        None => out.push(Finding::removed(
            category,
            field,
            place_here,
            binary_summary(body),
        )),
    }
}

/// Describe the atoms of a `udta` box.
pub(crate) fn describe_udta(body: &[u8], place: &str, out: &mut Vec<Finding>) {
    udta_at(body, place, 0, out);
}

/// Whether nested metadata is too deep to describe further (each level
/// costs only 8 bytes, so a crafted file could otherwise exhaust the stack).
fn too_deep(depth: usize, body: &[u8], place: &str, out: &mut Vec<Finding>) -> bool {
    if depth > MAX_NESTING {
        out.push(Finding::removed(
            Category::Other,
            "Deeply nested metadata",
            place,
            binary_summary(body),
        ));
        return true;
    }
    false
}

fn udta_at(body: &[u8], place: &str, depth: usize, out: &mut Vec<Finding>) {
    if too_deep(depth, body, place, out) {
        return;
    }
    let mut any = false;
    for child in Children::new(body, 0) {
        if out.len() > MAX_FINDINGS {
            return;
        }
        match child {
            Ok(child) => {
                any = true;
                describe_atom(&child.kind(), child.body, place, depth, out);
            }
            Err(_) => {
                out.push(Finding::removed(
                    Category::Other,
                    "Malformed user data",
                    place,
                    binary_summary(body),
                ));
                return;
            }
        }
    }
    if !any && body.iter().any(|b| *b != 0) {
        out.push(Finding::removed(
            Category::Other,
            "User data",
            place,
            binary_summary(body),
        ));
    }
}

/// Whether a `meta` body is the QuickTime flavour (no version/flags before
/// its children) rather than the ISO FullBox flavour.
pub(crate) fn meta_children_offset(body: &[u8]) -> usize {
    if body.get(4..8) == Some(b"hdlr") {
        0
    } else {
        4
    }
}

/// Describe a `meta` box: `keys` + `ilst` (Apple `mdta`), iTunes `ilst`,
/// XMP, or anything else by size.
pub(crate) fn describe_meta(body: &[u8], place: &str, out: &mut Vec<Finding>) {
    meta_at(body, place, 0, out);
}

fn meta_at(body: &[u8], place: &str, depth: usize, out: &mut Vec<Finding>) {
    if too_deep(depth, body, place, out) {
        return;
    }
    let children_at = meta_children_offset(body);
    let inner = body.get(children_at..).unwrap_or_default();
    let mut keys: Vec<String> = Vec::new();
    let mut lists: Vec<&[u8]> = Vec::new();
    for child in Children::new(inner, 0).map_while(Result::ok) {
        if out.len() > MAX_FINDINGS {
            return;
        }
        match &child.kind() {
            b"keys" => keys = parse_keys(child.body),
            b"ilst" => lists.push(child.body),
            b"hdlr" | b"free" | b"skip" => {}
            b"xml " | b"XMP_" => out.extend(xmp::describe(
                child.body.get(4..).unwrap_or_default(),
                &format!("{place}/xml"),
            )),
            other => describe_atom(other, child.body, place, depth, out),
        }
    }
    for list in lists {
        for item in Children::new(list, 0).map_while(Result::ok) {
            if out.len() > MAX_FINDINGS {
                return;
            }
            let kind = item.kind();
            let index = u32::from_be_bytes(kind) as usize;
            let key = index.checked_sub(1).and_then(|i| keys.get(i));
            if let Some(key) = key {
                describe_keyed_item(key, item.body, place, out);
            } else if &kind == b"----" {
                describe_freeform(item.body, place, out);
            } else {
                describe_atom(&kind, item.body, &format!("{place}/ilst"), depth, out);
            }
        }
    }
    if out.is_empty() && !body.is_empty() {
        out.push(Finding::removed(
            Category::Other,
            "Metadata box",
            place,
            binary_summary(body),
        ));
    }
}

/// Names of Apple `mdta` keys, in order: after the FullBox and entry
/// count, `(u32 size, namespace, name)*`.
fn parse_keys(body: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    let mut r = Reader::new(body.get(8..).unwrap_or_default(), 0, "MP4 keys");
    while r.remaining() >= 8 {
        let Some(name_len) = r.u32().ok().and_then(|size| (size as usize).checked_sub(8)) else {
            break;
        };
        let Ok(name) = r.skip(4).and_then(|()| r.bytes(name_len)) else {
            break;
        };
        keys.push(String::from_utf8_lossy(name).into_owned());
        if keys.len() > 4096 {
            break;
        }
    }
    keys
}

fn describe_keyed_item(key: &str, body: &[u8], place: &str, out: &mut Vec<Finding>) {
    // Every Apple key contains "quicktime", which reads as a time: classify
    // by what follows the namespace.
    let short = key
        .strip_prefix("com.apple.quicktime.")
        .or_else(|| key.strip_prefix("com.android."))
        .unwrap_or(key);
    let category = category_for_name(short);
    let iso6709 = key.to_ascii_lowercase().ends_with("iso6709");
    let place = format!("{place}/keys/{key}");
    describe_data_children(body, key, category, iso6709, &place, out);
}

fn describe_freeform(body: &[u8], place: &str, out: &mut Vec<Finding>) {
    let mut name = String::from("----");
    let mut values = Vec::new();
    for child in Children::new(body, 0).map_while(Result::ok) {
        if out.len() + values.len() > MAX_FINDINGS {
            break;
        }
        match &child.kind() {
            b"name" => {
                name = String::from_utf8_lossy(child.body.get(4..).unwrap_or_default()).into_owned()
            }
            b"data" => values.push(data_value(child.body)),
            _ => {}
        }
    }
    let category = category_for_name(&name);
    for value in values {
        out.push(match value.text {
            Some(text) => text_finding(category, &name, &format!("{place}/ilst/----"), &text),
            None => Finding::removed(
                category,
                name.clone(),
                format!("{place}/ilst/----"),
                value.shown,
            ),
        });
    }
}

/// Describe a `uuid` box body (16-byte identifier, then payload).
pub(crate) fn describe_uuid(body: &[u8], total_len: u64, place: &str, out: &mut Vec<Finding>) {
    let id = body.get(..16).unwrap_or_default();
    let payload = body.get(16..).unwrap_or_default();
    if id == XMP_UUID {
        out.extend(xmp::describe(payload, &format!("{place}/XMP")));
    } else if id == C2PA_UUID {
        out.push(Finding::removed(
            Category::Provenance,
            "C2PA manifest",
            place,
            human_size(total_len),
        ));
    } else {
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let value = match as_text(payload) {
            Some(text) => preview(&text),
            None => human_size(total_len),
        };
        out.push(Finding::removed(
            Category::Other,
            format!("Vendor box uuid {hex}"),
            place,
            value,
        ));
    }
}

/// Report a removed box into the scan: described by [`describe_other`],
/// after the scan's findings cap is checked.
///
/// The describers below stay on plain vectors and stop at
/// [`MAX_FINDINGS`] of their own (the default of
/// [`crate::Limits::max_findings`]): they run deep inside tolerant parses
/// of removed boxes where no error can be raised. Checking the scan's cap
/// before each box bounds what one call can add to a full report.
pub(crate) fn report_removed(
    scan: &mut Scan<'_>,
    header: &BoxHeader,
    body: Option<&[u8]>,
    place: &str,
) -> Result<()> {
    scan.ensure_findings_room(header.start)?;
    let mut found = Vec::new();
    describe_other(&header.kind, body, header.size, place, &mut found);
    scan.report_all(found);
    Ok(())
}

/// Describe any other removed box by its type and size.
pub(crate) fn describe_other(
    kind: &FourCc,
    body: Option<&[u8]>,
    total_len: u64,
    place: &str,
    out: &mut Vec<Finding>,
) {
    match (kind, body) {
        (b"udta", Some(body)) => describe_udta(body, place, out),
        (b"meta", Some(body)) => describe_meta(body, place, out),
        (b"uuid", Some(body)) => describe_uuid(body, total_len, place, out),
        (b"prft", _) => out.push(Finding::removed(
            Category::Time,
            "Producer reference time (wall clock)",
            place,
            human_size(total_len),
        )),
        _ => {
            let (field, category) = atom_info(kind)
                .map(|(f, c)| (f.to_string(), c))
                .unwrap_or_else(|| {
                    (
                        format!("Unknown box '{}'", fourcc_name(kind)),
                        Category::Other,
                    )
                });
            out.push(Finding::removed(
                category,
                field,
                place,
                human_size(total_len),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::isobmff::write_box;

    #[test]
    fn describes_quicktime_location_and_keys() {
        let mut udta = Vec::new();
        let text = b"+48.8584+002.2945/";
        let mut xyz = (text.len() as u16).to_be_bytes().to_vec();
        xyz.extend_from_slice(&[0x15, 0xC7]);
        xyz.extend_from_slice(text);
        write_box(&mut udta, b"\xA9xyz", &xyz);
        let mut out = Vec::new();
        describe_udta(&udta, "moov/udta", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].category, Category::Location);
        assert_eq!(out[0].value, "ISO 6709 +48.8584+002.2945/");
        assert!(out[0].needles.iter().any(|n| n == b"+48.8584+002.2945"));
        assert!(out[0].needles.iter().any(|n| n == b"+48.8584"));

        // Apple mdta: keys + ilst.
        let key = b"com.apple.quicktime.model";
        let mut keys = vec![0, 0, 0, 0, 0, 0, 0, 1];
        keys.extend_from_slice(&((key.len() + 8) as u32).to_be_bytes());
        keys.extend_from_slice(b"mdta");
        keys.extend_from_slice(key);
        let mut data = vec![0, 0, 0, 1, 0, 0, 0, 0];
        data.extend_from_slice(b"iPhone 12 Pro");
        let mut item = Vec::new();
        write_box(&mut item, b"data", &data);
        let mut ilst = Vec::new();
        write_box(&mut ilst, &1u32.to_be_bytes(), &item);
        let mut meta = Vec::new();
        let mut hdlr = vec![0; 8];
        hdlr.extend_from_slice(b"mdta");
        hdlr.extend_from_slice(&[0; 13]);
        write_box(&mut meta, b"hdlr", &hdlr);
        write_box(&mut meta, b"keys", &keys);
        write_box(&mut meta, b"ilst", &ilst);
        let mut out = Vec::new();
        describe_meta(&meta, "moov/meta", &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].category, Category::Device);
        assert_eq!(out[0].field, "com.apple.quicktime.model");
        assert_eq!(out[0].value, "iPhone 12 Pro");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut body = Vec::new();
        for _ in 0..1000 {
            body = {
                let mut outer = Vec::new();
                write_box(&mut outer, b"udta", &body);
                outer
            };
        }
        let mut out = Vec::new();
        describe_udta(&body, "moov/udta", &mut out);
        assert!(out.iter().any(|f| f.field == "Deeply nested metadata"));
    }

    #[test]
    fn describes_loci() {
        let mut body = vec![0, 0, 0, 0, 0x15, 0xC7];
        body.extend_from_slice(b"Home\0");
        body.push(0);
        body.extend_from_slice(&((24.75f64 * 65536.0) as i32).to_be_bytes());
        body.extend_from_slice(&((59.43f64 * 65536.0) as i32).to_be_bytes());
        body.extend_from_slice(&(10i32 << 16).to_be_bytes());
        let text = loci_text(&body).unwrap();
        assert!(text.starts_with("Home lat 59.4"), "{text}");
        assert!(text.contains("lon 24.75"), "{text}");
    }
}
