//! The Ogg parser on arbitrary bytes: it must return (a plan or an
//! error), never panic, hang or allocate what the input does not hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediascrub::{fuzzing, Format, Policy};

fuzz_target!(|data: &[u8]| {
    if let Ok(inspection) = fuzzing::plan_as(Format::Ogg, &data, &Policy::default()) {
        // Every planned copy must lie inside the input.
        assert!(inspection.plan.check_ranges(data.len() as u64).is_ok());
    }
});
