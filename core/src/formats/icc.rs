//! The one decision about embedded ICC colour profiles for the formats
//! that carry a profile as a separate structure (WebP `ICCP`, JPEG 2000
//! `colr` method 2).
//!
//! Every such planner asks [`judge`] and does what the answer says: the
//! policy decides whether the profile stays, and a kept profile is written
//! neutralised ([`crate::metadata::icc::neutralise`]: colour data kept,
//! dates, device, creator and text tags blanked, same length). A profile
//! that cannot be walked is removed, never copied unexamined.

use crate::finding::{human_size, Category, Fate, Finding};
use crate::metadata::icc;
use crate::scan::Scan;

/// What a planner does with an ICC profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IccAction {
    /// Write these bytes (the neutralised profile, as long as the
    /// original) in the profile's place.
    Keep(Vec<u8>),
    /// Leave the profile out of the output.
    Remove,
}

impl IccAction {
    /// Whether the profile stays.
    pub(crate) fn is_kept(&self) -> bool {
        matches!(self, IccAction::Keep(_))
    }
}

/// Decide the fate of the ICC `profile` found at `place`, and report it.
pub(crate) fn judge(scan: &mut Scan<'_>, profile: &[u8], place: &str) -> IccAction {
    let len = profile.len() as u64;
    let finding = |fate| {
        Finding::removed(
            Category::Other,
            "ICC colour profile",
            place,
            human_size(len),
        )
        .with_fate(fate)
    };
    if !scan.policy.keep_icc {
        scan.report(finding(Fate::Removed));
        return IccAction::Remove;
    }
    match icc::neutralise(profile, place) {
        Ok(neutral) => {
            scan.report(finding(Fate::Kept));
            scan.report_all(neutral.findings);
            IccAction::Keep(neutral.bytes)
        }
        Err(err) => {
            scan.report(Finding::removed(
                Category::Other,
                "ICC colour profile (unreadable, removed)",
                place,
                err.to_string(),
            ));
            IccAction::Remove
        }
    }
}
