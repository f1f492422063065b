//! The one decision about embedded ICC colour profiles for the formats
//! that carry a profile as a separate structure (WebP `ICCP`, JPEG 2000
//! `colr` method 2).
//!
//! Every such planner asks [`judge`] and does what the answer says, so that
//! a later change (examining or neutralising the profile's text tags for
//! every format) happens here, once.

use crate::finding::{human_size, Category, Fate, Finding};
use crate::scan::Scan;

/// What a planner does with an ICC profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IccAction {
    /// Copy the profile unchanged.
    Keep,
    /// Leave the profile out of the output.
    Remove,
}

/// Decide the fate of an ICC profile of `len` bytes found at `place`, and
/// report it.
pub(crate) fn judge(scan: &mut Scan<'_>, len: u64, place: &str) -> IccAction {
    let action = if scan.policy.keep_icc {
        IccAction::Keep
    } else {
        IccAction::Remove
    };
    let fate = match action {
        IccAction::Keep => Fate::Kept,
        IccAction::Remove => Fate::Removed,
    };
    scan.report(
        Finding::removed(
            Category::Other,
            "ICC colour profile",
            place,
            human_size(len),
        )
        .with_fate(fate),
    );
    action
}
