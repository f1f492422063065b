//! The whole path a file takes: sniff, plan, verify, write. When cleaning
//! succeeds, the output must be exactly as long as planned and must inspect
//! again with nothing but what the policy keeps on purpose.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediascrub::{clean_bytes, inspect, Policy};

fuzz_target!(|data: &[u8]| {
    let policy = Policy::default();
    if let Ok((out, cleaning)) = clean_bytes(data, &policy) {
        assert_eq!(out.len() as u64, cleaning.plan.output_len());
        let again = inspect(&out, &policy).expect("a verified output must parse again");
        assert_eq!(again.format, cleaning.format);
        if let Some(leak) = again.findings.iter().find(|f| f.is_leak()) {
            panic!("verified output still holds {leak:?}");
        }
    }
});
