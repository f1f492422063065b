//! The one error type of the core.

use std::io;

/// Everything that can go wrong while inspecting or cleaning a file.
///
/// Every structural error names the structure that was wrong and the byte
/// offset in the input where it was found, so that a one-line message is
/// enough to understand why a file was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the input failed. (Not marked as the error's source: the
    /// message already includes it, and error-chain printers would repeat
    /// it.)
    #[error("read error: {0}")]
    Io(io::Error),

    /// The content is not a format this build can clean.
    #[error("unsupported format: {0}")]
    Unsupported(String),

    /// The file's structure is broken at `offset`.
    #[error("malformed {structure} at offset {offset}: {reason}")]
    Malformed {
        /// Which structure was being read (e.g. `JPEG segment`).
        structure: &'static str,
        /// Byte offset in the input.
        offset: u64,
        /// What was wrong.
        reason: String,
    },

    /// A structure is larger or deeper than the explicit parsing limits allow.
    #[error("{what} at offset {offset} exceeds the limit of {limit}")]
    Limit {
        /// Which limit was hit.
        what: &'static str,
        /// Byte offset in the input.
        offset: u64,
        /// The limit that was exceeded.
        limit: u64,
    },

    /// The planned output still contains something sensitive; no output may
    /// be written.
    #[error("verification failed: {0}")]
    Verification(String),
}

impl Error {
    /// Shorthand for [`Error::Malformed`].
    pub fn malformed(structure: &'static str, offset: u64, reason: impl Into<String>) -> Self {
        Error::Malformed {
            structure,
            offset,
            reason: reason.into(),
        }
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Self {
        Error::Io(err)
    }
}

/// Result alias used throughout the core.
pub type Result<T> = std::result::Result<T, Error>;
