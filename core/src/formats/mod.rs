//! One module per container format, each behind the same small
//! [`Planner`] interface.
//!
//! A planner walks the container structure with the readers of
//! [`crate::container`], reports every block of metadata into the
//! [`Scan`] with the fate the plan gives it, and returns the [`Plan`] of the
//! cleaned output. It never decodes media payload, and never builds the
//! engine's `Inspection` itself.

pub(crate) mod avi;
pub(crate) mod flac;
pub(crate) mod gif;
pub(crate) mod heif;
pub(crate) mod icc;
pub(crate) mod jp2;
pub(crate) mod jpeg;
pub(crate) mod jxl;
pub(crate) mod matroska;
pub(crate) mod mp3;
pub(crate) mod mp4;
pub(crate) mod ogg;
pub(crate) mod png;
pub(crate) mod tags;
pub(crate) mod tiff;
pub(crate) mod wav;
pub(crate) mod webp;

use crate::error::{Error, Result};
use crate::plan::{Piece, Plan};
use crate::scan::Scan;
use crate::sniff::Format;

/// One container format's cleaner.
pub(crate) trait Planner {
    /// Walk `scan.src`, report findings into `scan`, return the output plan.
    fn plan(scan: &mut Scan<'_>) -> Result<Plan>;
}

/// Plan the cleaning of `scan.src`, already detected as `format`.
pub(crate) fn plan(format: Format, scan: &mut Scan<'_>) -> Result<Plan> {
    match format {
        Format::Jpeg => jpeg::Jpeg::plan(scan),
        Format::Mp4 => mp4::Mp4::plan(scan),
        Format::Matroska => matroska::Matroska::plan(scan),
        Format::Avi => avi::Avi::plan(scan),
        Format::Png => png::Png::plan(scan),
        Format::Gif => gif::Gif::plan(scan),
        Format::Webp => webp::Webp::plan(scan),
        Format::Jxl => jxl::Jxl::plan(scan),
        Format::Jp2 => jp2::Jp2::plan(scan),
        Format::Tiff => tiff::Tiff::plan(scan),
        Format::Raf => Err(Error::Unsupported(
            "Fujifilm RAF is not supported: its raw data needs Fujifilm's own header and \
             maker notes (which hold the serial number); convert it to DNG first"
                .to_string(),
        )),
        Format::Cr3 => Err(Error::Unsupported(
            "Canon CR3 is not supported: its raw data needs Canon's own boxes and maker \
             notes (which hold the serial number); convert it to DNG first"
                .to_string(),
        )),
        Format::Heif => heif::Heif::plan(scan),
        Format::Mp3 => mp3::Mp3::plan(scan),
        Format::Wav => wav::Wav::plan(scan),
        Format::Flac => flac::Flac::plan(scan),
        Format::Ogg => ogg::Ogg::plan(scan),
        other => Err(Error::Unsupported(format!(
            "{} files cannot be cleaned yet",
            other.name()
        ))),
    }
}

/// Append the pieces of `part` to `out` (splice planners build a
/// container's body first, then write its header with the final size).
pub(crate) fn append(out: &mut Plan, part: Plan) {
    for piece in part.pieces() {
        match piece {
            Piece::Copy { offset, len } => out.copy(*offset, *len),
            Piece::Data(bytes) => out.data(bytes.clone()),
            Piece::Zeros(len) => out.zeros(*len),
        }
    }
}

/// Test shorthand: plan `src` as `format` under default limits and return
/// what the engine would.
#[cfg(test)]
pub(crate) fn inspect_for_test(
    format: Format,
    src: &dyn crate::io::Source,
    policy: &crate::policy::Policy,
) -> Result<crate::engine::Inspection> {
    crate::engine::inspect_as(format, src, policy, &crate::limits::Limits::default())
}

/// Test shorthand: clean `input` as `format` under the default policy and
/// check what verification checks: the output re-parses with only kept
/// findings and holds none of the removed values' needles.
#[cfg(test)]
pub(crate) fn clean_for_test(format: Format, input: &[u8]) -> (Vec<u8>, crate::engine::Inspection) {
    let policy = crate::policy::Policy::default();
    let inspection = inspect_for_test(format, &input, &policy).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    let again = inspect_for_test(format, &out.as_slice(), &policy).unwrap();
    assert!(
        again
            .findings
            .iter()
            .all(|f| f.fate == crate::finding::Fate::Kept),
        "{:?}",
        again.findings
    );
    let mut scanner = crate::verify::LeakScanner::new(&inspection.findings);
    scanner.feed(&out);
    scanner.finish().unwrap();
    (out, inspection)
}
