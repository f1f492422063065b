//! Container syntax shared by formats, with no policy in it: headers,
//! child iteration, and the same-size placeholders that let a structure be
//! blanked without moving anything after it.
//!
//! Formats use containers; containers never use formats, payload readers
//! or findings.

pub(crate) mod ebml;
pub(crate) mod isobmff;
pub(crate) mod riff;
// The breadth-first IFD tree walk and a few tag names are used only by its
// tests until the embedded Exif blocks (JPEG APP1, PNG eXIf, WebP EXIF,
// HEIF Exif items) are rebuilt through this layer too.
#[allow(dead_code)]
pub(crate) mod tiff;

/// A placeholder structure of an exact size that readers of its container
/// skip: an ISO-BMFF `free` box, a RIFF `JUNK` chunk, an EBML `Void`.
///
/// `header(total)` returns the bytes that start a placeholder of `total`
/// bytes; the rest of it is zeros. `None` when no placeholder of that size
/// can be written (too small for a header).
pub(crate) trait Filler {
    /// What the placeholder is called, for errors (`a Void element`).
    const NAME: &'static str;

    /// The leading bytes of a placeholder `total` bytes long.
    fn header(total: u64) -> Option<Vec<u8>>;
}
