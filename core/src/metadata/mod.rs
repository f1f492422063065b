//! Readers for metadata payloads shared by several containers: EXIF/TIFF,
//! XMP, IPTC. They only *describe* what a payload holds (as findings); the
//! containers decide what happens to it.

pub mod classify;
pub mod exif;
pub mod iptc;
pub mod vorbis;
pub mod xmp;
