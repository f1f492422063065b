//! One module per container format, all behind one entry point, [`plan`].
//!
//! A format module parses only the container structure, decides the fate of
//! every block of metadata, and returns an [`Inspection`]: the findings and
//! the [`crate::Plan`] of the cleaned output. It never decodes media payload.

pub mod avi;
pub mod jpeg;
pub mod matroska;
pub mod mp4;
mod overwrite;

use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::sniff::Format;
use crate::source::Source;
use crate::Inspection;

/// Plan the cleaning of `src`, already detected as `format`.
pub fn plan(format: Format, src: &dyn Source, policy: &Policy) -> Result<Inspection> {
    match format {
        Format::Jpeg => jpeg::plan(src, policy),
        Format::Mp4 => mp4::plan(src, policy),
        Format::Matroska => matroska::plan(src, policy),
        Format::Avi => avi::plan(src, policy),
        other => Err(Error::Unsupported(format!(
            "{} files cannot be cleaned yet",
            other.name()
        ))),
    }
}
