//! The payload readers shared by containers (EXIF/TIFF, XMP, Photoshop/IPTC)
//! on arbitrary bytes: they report, they never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediascrub::metadata::{exif, iptc, xmp};

fuzz_target!(|data: &[u8]| {
    let _ = exif::describe(data, "fuzz");
    let _ = xmp::describe(data, "fuzz");
    let _ = iptc::describe_photoshop(data, "fuzz");
    let _ = iptc::describe_iptc(data, "fuzz");
});
