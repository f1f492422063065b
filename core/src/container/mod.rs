//! Container syntax shared by several formats: structure only, no policy.

pub(crate) mod tiff;
