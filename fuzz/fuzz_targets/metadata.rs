//! The payload readers shared by containers (EXIF/TIFF, XMP, Photoshop/IPTC)
//! on arbitrary bytes: they report, they never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mediascrub::fuzzing::describe_payloads(data);
});
