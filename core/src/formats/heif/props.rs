//! Item properties (`ipco` children) of kept items: each one is either a
//! known structure rebuilt from its fields (so no byte is copied that is
//! not one of them), or it goes.
//!
//! Kept: `ispe`, `pixi`, `irot`, `imir`, `clap`, `pasp`, `clli`, `mdcv`,
//! `cclv`, `lsel`, `a1op`, `a1lx`, `rloc`, `auxC` (no subtype), `hvcC`
//! (VPS/SPS/PPS arrays only; SEI arrays go), `av1C` (the 4-byte
//! configuration; configuration OBUs go: AVIF repeats the sequence header
//! in the item data), `colr` (`nclx`/`nclc` with reserved bits cleared;
//! `prof`/`rICC` profiles neutralised by [`icc::neutralise`], or dropped
//! when the policy does not keep ICC profiles or the profile is
//! unreadable).

use crate::container::isobmff::{fourcc_name, write_box, FourCc};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::io::cursor::Reader;
use crate::metadata::icc;
use crate::scan::Scan;

/// What happens to one property of a kept item.
#[derive(Debug)]
pub(super) enum Verdict {
    /// Written as these bytes (the whole box).
    Keep(Vec<u8>),
    /// Not a property this tool understands.
    Unknown,
    /// Understood, and dropped (already reported).
    Drop,
}

fn exact(kind: &FourCc, body: &[u8], len: usize, at: u64) -> Result<()> {
    if body.len() != len {
        return Err(Error::malformed(
            "HEIF property",
            at,
            format!(
                "'{}' holds {} bytes, its structure {len}",
                fourcc_name(kind),
                body.len()
            ),
        ));
    }
    Ok(())
}

/// A full box whose version and flags must be zero.
fn full_zero(kind: &FourCc, body: &[u8], at: u64) -> Result<()> {
    if body.get(..4) != Some(&[0, 0, 0, 0]) {
        return Err(Error::Unsupported(format!(
            "HEIF property '{}' at offset {at} with a version or flags this tool does not know",
            fourcc_name(kind)
        )));
    }
    Ok(())
}

fn boxed(kind: &FourCc, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    write_box(&mut out, kind, body);
    out
}

/// Judge the property `kind` with `body`, at file offset `at`.
pub(super) fn judge(scan: &mut Scan<'_>, kind: &FourCc, body: &[u8], at: u64) -> Result<Verdict> {
    let keep = |len: usize| -> Result<Verdict> {
        exact(kind, body, len, at)?;
        Ok(Verdict::Keep(boxed(kind, body)))
    };
    match kind {
        b"ispe" => {
            full_zero(kind, body, at)?;
            keep(12)
        }
        b"pixi" => {
            full_zero(kind, body, at)?;
            let channels = body.get(4).copied().unwrap_or(0);
            keep(5 + usize::from(channels))
        }
        b"rloc" => {
            full_zero(kind, body, at)?;
            keep(12)
        }
        b"clap" => keep(32),
        b"pasp" => keep(8),
        b"clli" => keep(4),
        b"mdcv" => keep(24),
        b"lsel" => keep(2),
        b"a1op" => keep(1),
        b"a1lx" => {
            let large = body.first().copied().unwrap_or(0) & 1 != 0;
            exact(kind, body, if large { 13 } else { 7 }, at)?;
            let mut body = body.to_vec();
            if let Some(first) = body.first_mut() {
                *first &= 1;
            }
            Ok(Verdict::Keep(boxed(kind, &body)))
        }
        b"cclv" => {
            let flags = body.first().copied().unwrap_or(0);
            let mut len = 1;
            if flags & 0x20 != 0 {
                len += 24;
            }
            for bit in [0x10, 0x08, 0x04] {
                if flags & bit != 0 {
                    len += 4;
                }
            }
            keep(len)
        }
        b"irot" => {
            exact(kind, body, 1, at)?;
            let angle = body.first().copied().unwrap_or(0) & 3;
            scan.report(
                Finding::removed(
                    Category::Other,
                    "Orientation",
                    "meta/iprp/irot",
                    format!("rotated {} degrees anti-clockwise", u32::from(angle) * 90),
                )
                .with_fate(Fate::Kept),
            );
            Ok(Verdict::Keep(boxed(kind, &[angle])))
        }
        b"imir" => {
            exact(kind, body, 1, at)?;
            let axis = body.first().copied().unwrap_or(0) & 1;
            scan.report(
                Finding::removed(
                    Category::Other,
                    "Mirroring",
                    "meta/iprp/imir",
                    if axis == 0 {
                        "vertical axis"
                    } else {
                        "horizontal axis"
                    },
                )
                .with_fate(Fate::Kept),
            );
            Ok(Verdict::Keep(boxed(kind, &[axis])))
        }
        b"auxC" => auxc(kind, body, at),
        b"hvcC" => hvcc(scan, body, at),
        b"av1C" => av1c(scan, body, at),
        b"colr" => colr(scan, body, at),
        _ => Ok(Verdict::Unknown),
    }
}

/// The auxiliary type of an `auxC` body, if it is one.
pub(super) fn aux_type(body: &[u8]) -> Option<&[u8]> {
    let rest = body.get(4..)?;
    let end = rest.iter().position(|b| *b == 0)?;
    rest.get(..end)
}

/// Whether an auxiliary type names an alpha plane.
pub(super) fn is_alpha(aux: &[u8]) -> bool {
    aux == b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha" || aux == b"urn:mpeg:hevc:2015:auxid:1"
}

fn auxc(kind: &FourCc, body: &[u8], at: u64) -> Result<Verdict> {
    full_zero(kind, body, at)?;
    let aux = aux_type(body)
        .ok_or_else(|| Error::malformed("HEIF auxC", at, "no NUL-terminated auxiliary type"))?;
    if body.len() != 4 + aux.len() + 1 {
        return Err(Error::Unsupported(format!(
            "HEIF auxC at offset {at} with an auxiliary subtype (not understood yet)"
        )));
    }
    if !aux.iter().all(|b| b.is_ascii_graphic()) {
        return Err(Error::malformed(
            "HEIF auxC",
            at,
            "the auxiliary type is not a URN",
        ));
    }
    Ok(Verdict::Keep(boxed(kind, body)))
}

/// `hvcC` (ISO/IEC 14496-15 § 8.3.3): the 22-byte configuration, then
/// arrays of NAL units. Parameter sets (VPS 32, SPS 33, PPS 34) stay;
/// SEI arrays (39, 40) go; any other NAL type is refused.
fn hvcc(scan: &mut Scan<'_>, body: &[u8], at: u64) -> Result<Verdict> {
    let mut r = Reader::new(body, at, "HEIF hvcC");
    let head = r.bytes(22)?;
    let arrays = r.u8()?;
    let mut out = head.to_vec();
    let mut kept_arrays = 0u8;
    let mut rebuilt = Vec::new();
    for _ in 0..arrays {
        let first = r.u8()?;
        let nal_type = first & 0x3F;
        let count = r.u16()?;
        let mut array = vec![first & 0xBF];
        array.extend_from_slice(&count.to_be_bytes());
        for _ in 0..count {
            let len = r.u16()?;
            let nal = r.bytes(usize::from(len))?;
            array.extend_from_slice(&len.to_be_bytes());
            array.extend_from_slice(nal);
        }
        match nal_type {
            32..=34 => {
                kept_arrays += 1;
                rebuilt.extend_from_slice(&array);
            }
            39 | 40 => scan.report(Finding::removed(
                Category::Other,
                "HEVC SEI messages",
                "meta/iprp/hvcC",
                human_size(array.len() as u64),
            )),
            other => {
                return Err(Error::Unsupported(format!(
                    "HEVC NAL unit type {other} in the hvcC at offset {at}"
                )))
            }
        }
    }
    if r.remaining() != 0 {
        scan.report(Finding::removed(
            Category::Other,
            "Bytes after the HEVC configuration",
            "meta/iprp/hvcC",
            human_size(r.remaining() as u64),
        ));
    }
    out.push(kept_arrays);
    out.extend_from_slice(&rebuilt);
    Ok(Verdict::Keep(boxed(b"hvcC", &out)))
}

/// `av1C` (AV1 ISOBMFF binding § 2.3): 4 bytes, then optional OBUs.
fn av1c(scan: &mut Scan<'_>, body: &[u8], at: u64) -> Result<Verdict> {
    let head = body
        .get(..4)
        .ok_or_else(|| Error::truncated("HEIF av1C", at, "shorter than 4 bytes"))?;
    if head.first() != Some(&0x81) {
        return Err(Error::Unsupported(format!(
            "AV1 configuration version {:#04x} at offset {at}",
            head.first().copied().unwrap_or(0)
        )));
    }
    let mut head = head.to_vec();
    if let Some(b) = head.get_mut(3) {
        // 3 reserved bits, the presentation-delay flag and its value:
        // no presentation delay for a still image.
        *b = 0;
    }
    if body.len() > 4 {
        scan.report(Finding::removed(
            Category::Other,
            "AV1 configuration OBUs",
            "meta/iprp/av1C",
            human_size(body.len() as u64 - 4),
        ));
    }
    Ok(Verdict::Keep(boxed(b"av1C", &head)))
}

fn colr(scan: &mut Scan<'_>, body: &[u8], at: u64) -> Result<Verdict> {
    let kind = body.get(..4).unwrap_or_default();
    match kind {
        b"nclx" => {
            exact(b"colr", body, 11, at)?;
            let mut body = body.to_vec();
            if let Some(last) = body.last_mut() {
                *last &= 0x80;
            }
            Ok(Verdict::Keep(boxed(b"colr", &body)))
        }
        b"nclc" => {
            exact(b"colr", body, 10, at)?;
            Ok(Verdict::Keep(boxed(b"colr", body)))
        }
        b"prof" | b"rICC" => {
            let profile = body.get(4..).unwrap_or_default();
            if !scan.policy.keep_icc {
                scan.report(Finding::removed(
                    Category::Other,
                    "ICC colour profile",
                    "meta/iprp/colr",
                    human_size(profile.len() as u64),
                ));
                return Ok(Verdict::Drop);
            }
            let neutral = match icc::neutralise(profile, "meta/iprp/colr") {
                Ok(neutral) => neutral,
                Err(err) => {
                    scan.report(Finding::removed(
                        Category::Other,
                        "ICC colour profile (unreadable, removed)",
                        "meta/iprp/colr",
                        err.to_string(),
                    ));
                    return Ok(Verdict::Drop);
                }
            };
            if neutral.bytes != profile {
                scan.report_all(neutral.findings);
            }
            scan.report(
                Finding::removed(
                    Category::Other,
                    "ICC colour profile",
                    "meta/iprp/colr",
                    human_size(profile.len() as u64),
                )
                .with_fate(Fate::Kept),
            );
            let mut out = kind.to_vec();
            out.extend_from_slice(&neutral.bytes);
            Ok(Verdict::Keep(boxed(b"colr", &out)))
        }
        _ => Ok(Verdict::Unknown),
    }
}
