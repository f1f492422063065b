//! Entry points for the fuzz targets and cross-crate tests only: not part
//! of the supported API, and free to change with the internals they reach.

use crate::error::Result;
use crate::finding::Finding;
use crate::io::Source;
use crate::limits::Limits;
use crate::policy::Policy;
use crate::sniff::Format;

pub use crate::verify::{needle_forms, LeakScanner};

/// Plan `src` as `format`, whatever its content, under default limits.
pub fn plan_as(format: Format, src: &dyn Source, policy: &Policy) -> Result<crate::Inspection> {
    crate::engine::inspect_as(format, src, policy, &Limits::default())
}

/// Run every payload reader (EXIF/TIFF, XMP, Photoshop/IPTC) on `data`.
pub fn describe_payloads(data: &[u8]) -> Vec<Finding> {
    use crate::metadata::{exif, iptc, xmp};
    let mut out = exif::describe(data, "fuzz").findings;
    out.extend(xmp::describe(data, "fuzz"));
    out.extend(iptc::describe_photoshop(data, "fuzz"));
    out.extend(iptc::describe_iptc(data, "fuzz"));
    out
}
