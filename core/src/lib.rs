//! # mediascrub
//!
//! Finds and removes what photos and videos give away about the people who
//! made them — GPS positions, serial numbers, timestamps, owner names,
//! thumbnails, telemetry — without re-encoding anything.
//!
//! Cleaning is *planning a splice*: a format module parses only the
//! container structure and describes the output as a [`Plan`] of byte ranges
//! copied from the input and small new pieces (rewritten headers, zeroed
//! fields). Every decision is recorded as a [`Finding`]. Before anything is
//! written, [`clean`] re-inspects the planned output, and
//! [`Cleaning::write_verified`] searches the bytes it writes for every
//! sensitive value seen in the input: anything left is an error and the
//! caller must discard the output.
//!
//! The crate performs no I/O of its own: input comes through [`Source`]
//! (byte slices, files, browser blobs) and output goes to any
//! [`std::io::Write`], so it builds for `wasm32-unknown-unknown`.
//!
//! ```
//! use mediascrub::{clean, Policy};
//! # fn main() -> Result<(), mediascrub::Error> {
//! # let jpeg: Vec<u8> = [
//! #     &[0xFF, 0xD8, 0xFF, 0xFE, 0, 8][..], b"hello!",
//! #     &[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0],
//! #     &[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9],
//! # ].concat();
//! let cleaning = clean(jpeg.as_slice(), &Policy::default())?;
//! for finding in &cleaning.findings {
//!     println!("{} {} {}", finding.category, finding.field, finding.fate);
//! }
//! let mut out = Vec::new();
//! cleaning.write_verified(jpeg.as_slice(), &mut out)?;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

// Container syntax for the formats being built on it; allowed to be
// unused until they are.
#[allow(dead_code)]
pub(crate) mod container;
pub mod error;
pub mod finding;
pub mod formats;
pub mod metadata;
pub mod plan;
pub mod policy;
pub mod sniff;
pub mod source;
pub mod verify;

pub use error::{Error, Result};
pub use finding::{Category, Fate, Finding};
pub use plan::{Piece, Plan};
pub use policy::Policy;
pub use sniff::{sniff, Format};
#[cfg(any(unix, windows))]
pub use source::FileSource;
pub use source::Source;
pub use verify::Cleaning;

/// The result of inspecting a file: what it holds and the plan that would
/// clean it.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The detected container format.
    pub format: Format,
    /// Everything found, with the fate the plan gives it.
    pub findings: Vec<Finding>,
    /// The output that would remove what must go.
    pub plan: Plan,
}

/// Inspect `src`: detect its format, list its metadata and plan the cleaned
/// output. Nothing is verified yet; use [`clean`] before writing.
pub fn inspect<S: Source + ?Sized>(src: &S, policy: &Policy) -> Result<Inspection> {
    inspect_dyn(&src, policy)
}

fn inspect_dyn(src: &dyn Source, policy: &Policy) -> Result<Inspection> {
    let format = sniff(src)
        .ok_or_else(|| Error::Unsupported("not a recognised photo or video format".to_string()))?;
    let inspection = formats::plan(format, src, policy)?;
    inspection.plan.check_ranges(src.len())?;
    Ok(inspection)
}

/// Inspect `src` and verify that the planned output holds nothing
/// sensitive. On success the returned [`Cleaning`] can write the output.
pub fn clean<S: Source + ?Sized>(src: &S, policy: &Policy) -> Result<Cleaning> {
    inspect_dyn(&src, policy)?.verify(src, policy)
}

impl Inspection {
    /// Verify this plan: the planned output is parsed once more, as a new
    /// input (the input itself is not parsed again). On success the
    /// returned [`Cleaning`] can write the output.
    pub fn verify<S: Source + ?Sized>(self, src: &S, policy: &Policy) -> Result<Cleaning> {
        verify::verify(&src, policy, self)
    }
}

/// Clean an in-memory file and return the cleaned bytes with what was found.
pub fn clean_bytes(input: &[u8], policy: &Policy) -> Result<(Vec<u8>, Cleaning)> {
    let cleaning = clean(input, policy)?;
    let mut out = Vec::with_capacity(usize::try_from(cleaning.plan.output_len()).unwrap_or(0));
    cleaning.write_verified(&input, &mut out)?;
    Ok((out, cleaning))
}
