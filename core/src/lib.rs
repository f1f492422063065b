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
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod container;
mod engine;
pub mod error;
pub mod exposure;
pub mod finding;
mod formats;
pub mod io;
pub mod limits;
pub(crate) mod metadata;
pub mod plan;
pub mod policy;
mod scan;
pub mod sniff;
pub(crate) mod verify;

#[doc(hidden)]
pub mod fuzzing;

pub use engine::{clean, clean_bytes, inspect, inspect_with, Inspection};
pub use error::{Error, Malformation, Result};
pub use finding::{Category, Fate, Finding, Picture};
#[cfg(any(unix, windows))]
pub use io::FileSource;
pub use io::Source;
pub use limits::Limits;
pub use metadata::time::unix_utc;
pub use plan::{Piece, Plan};
pub use policy::Policy;
pub use sniff::{sniff, Format};
pub use verify::Cleaning;
