//! One module per container format, each behind the same small
//! [`Planner`] interface.
//!
//! A planner walks the container structure with the readers of
//! [`crate::container`], reports every block of metadata into the
//! [`Scan`] with the fate the plan gives it, and returns the [`Plan`] of the
//! cleaned output. It never decodes media payload, and never builds the
//! engine's `Inspection` itself.

pub(crate) mod avi;
pub(crate) mod gif;
pub(crate) mod heif;
pub(crate) mod jpeg;
pub(crate) mod matroska;
pub(crate) mod mp4;
pub(crate) mod png;

use crate::error::{Error, Result};
use crate::plan::Plan;
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
        Format::Heif => heif::Heif::plan(scan),
        other => Err(Error::Unsupported(format!(
            "{} files cannot be cleaned yet",
            other.name()
        ))),
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
