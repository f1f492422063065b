//! Differential test of the streaming leak scanner: fed the output in
//! arbitrary chunks, it must report a leak exactly when a naive search of
//! the whole output finds one of the needles in one of its forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediascrub::fuzzing::{needle_forms, LeakScanner};
use mediascrub::{Category, Finding};

fuzz_target!(|data: &[u8]| {
    // Layout: [n needles] { [len] needle bytes }* [chunk sizes seed] haystack
    let Some((&count, mut rest)) = data.split_first() else {
        return;
    };
    let mut findings = Vec::new();
    for _ in 0..(count % 4) {
        let Some((&len, tail)) = rest.split_first() else {
            return;
        };
        let len = usize::from(len % 40).min(tail.len());
        let (needle, tail) = tail.split_at(len);
        findings.push(Finding::removed(Category::Other, "fuzz", "fuzz", "x").with_needle(needle));
        rest = tail;
    }
    let Some((&step, haystack)) = rest.split_first() else {
        return;
    };
    let expected = findings.iter().flat_map(|f| &f.needles).any(|n| {
        needle_forms(n)
            .iter()
            .any(|form| haystack.windows(form.len()).any(|w| w == form.as_slice()))
    });
    let mut scanner = LeakScanner::new(&findings);
    let mut pos = 0usize;
    let mut size = usize::from(step % 17) + 1;
    while pos < haystack.len() {
        let end = (pos + size).min(haystack.len());
        scanner.feed(&haystack[pos..end]);
        pos = end;
        size = (size * 7 + 3) % 23 + 1;
    }
    assert_eq!(scanner.finish().is_err(), expected);
});
