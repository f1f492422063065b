//! Input access: the [`Source`] trait the core reads through, a
//! bounds-checked cursor for structures already in memory, and the one
//! chunked zero check.

pub(crate) mod cursor;
pub(crate) mod readahead;
pub mod source;
pub(crate) mod zero;

#[cfg(any(unix, windows))]
pub use source::FileSource;
pub use source::Source;
pub(crate) use source::SourceExt;
