//! Readers for metadata payloads shared by several containers: EXIF/TIFF,
//! XMP, IPTC, Vorbis comments, ID3 and APE tags, subtitle text. They only
//! *describe* what a payload holds (as findings); the containers decide
//! what happens to it.

pub mod classify;
pub mod exif;
pub mod icc;
pub(crate) mod id3;
pub mod iptc;
pub mod subtitle;
pub mod time;
pub(crate) mod trailer;
pub mod vorbis;
pub mod xmp;
