//! The one error type of the core.

use std::io;

/// Everything that can go wrong while inspecting or cleaning a file.
///
/// Every structural error names the structure that was wrong and the byte
/// offset in the input where it was found, so that a one-line message is
/// enough to understand why a file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
        /// What kind of breakage, for callers and tests that must tell
        /// them apart without reading the message.
        kind: Malformation,
        /// What was wrong, in words.
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

    /// The file holds structures the tool does not understand and the
    /// policy refuses such files ([`crate::Policy::refuse_unknown`]).
    #[error(
        "holds {count} structure(s) mediascrub does not understand, first {first}; refused by the \
         strict policy (without it they are removed)"
    )]
    UnknownBlocks {
        /// The first of them: its field and where it is.
        first: String,
        /// How many there are.
        count: usize,
    },
}

/// The kinds of [`Error::Malformed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformation {
    /// A structure or its header is cut off by the end of the file or of
    /// its parent.
    Truncated,
    /// A length, count or offset claims bytes past the end of the parent
    /// structure or the file.
    Overrun,
    /// Bytes inside a structure that would be kept, which the format does
    /// not account for (decoders skip them, so data could hide there).
    Unaccounted,
    /// Structures that refer to each other in a loop.
    Loop,
    /// Anything else the format does not allow: a bad marker, value or
    /// order.
    Invalid,
}

impl Error {
    /// An [`Error::Malformed`] of kind [`Malformation::Invalid`].
    pub fn malformed(structure: &'static str, offset: u64, reason: impl Into<String>) -> Self {
        Error::malformed_as(Malformation::Invalid, structure, offset, reason)
    }

    /// An [`Error::Malformed`] of kind [`Malformation::Truncated`].
    pub fn truncated(structure: &'static str, offset: u64, reason: impl Into<String>) -> Self {
        Error::malformed_as(Malformation::Truncated, structure, offset, reason)
    }

    /// An [`Error::Malformed`] of kind [`Malformation::Overrun`].
    pub fn overrun(structure: &'static str, offset: u64, reason: impl Into<String>) -> Self {
        Error::malformed_as(Malformation::Overrun, structure, offset, reason)
    }

    /// An [`Error::Malformed`] of the given kind.
    pub fn malformed_as(
        kind: Malformation,
        structure: &'static str,
        offset: u64,
        reason: impl Into<String>,
    ) -> Self {
        Error::Malformed {
            structure,
            offset,
            kind,
            reason: reason.into(),
        }
    }

    /// The kind of a structural error (`None` for other errors).
    pub fn malformation(&self) -> Option<Malformation> {
        match self {
            Error::Malformed { kind, .. } => Some(*kind),
            _ => None,
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
