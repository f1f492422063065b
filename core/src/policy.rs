//! What to keep. The defaults are the safe choice: keep only what is needed
//! to show the media as intended.

use std::str::FromStr;

use crate::finding::Category;

/// Optional things a user may choose to keep, and how strict to be about
/// what the tool does not understand.
///
/// ```
/// use mediascrub::Policy;
/// let everything_optional_gone = Policy::keep_nothing();
/// let from_cli: Policy = "orientation,subtitles".parse().unwrap();
/// assert!(from_cli.keep_orientation && !from_cli.keep_icc);
/// assert_eq!(Policy::default(), "orientation,icc".parse().unwrap());
/// // The complement: the defaults but the orientation.
/// let mut policy = Policy::default();
/// policy.remove("orientation").unwrap();
/// assert!(!policy.keep_orientation && policy.keep_icc);
/// # let _ = everything_optional_gone;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Keep the display orientation (EXIF Orientation rewritten into a
    /// minimal EXIF block; MP4 `tkhd` matrices are always kept). Default on.
    pub keep_orientation: bool,
    /// Keep embedded ICC colour profiles. Default on.
    pub keep_icc: bool,
    /// Keep text/subtitle tracks that are not telemetry. Default off.
    pub keep_subtitles: bool,
    /// Refuse a file that holds any structure the tool does not understand
    /// (an unknown box, chunk, segment, element or tag: a
    /// [`crate::Finding`] with `unknown` set) instead of removing it:
    /// [`crate::Inspection::verify`] fails with [`crate::Error::UnknownBlocks`].
    /// Default off (unknown structures are removed).
    pub refuse_unknown: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            keep_orientation: true,
            keep_icc: true,
            keep_subtitles: false,
            refuse_unknown: false,
        }
    }
}

/// The optional things [`Policy`] can keep, by the names lists use.
pub const KEEPABLE: [&str; 3] = ["orientation", "icc", "subtitles"];

impl Policy {
    /// Keep nothing optional at all.
    pub fn keep_nothing() -> Self {
        Policy {
            keep_orientation: false,
            keep_icc: false,
            keep_subtitles: false,
            refuse_unknown: false,
        }
    }

    /// Stop keeping the items of a comma-separated list: `orientation`,
    /// `icc`, `subtitles`, or `all` (nothing optional kept). Category names
    /// (`location`, `device`, …) are accepted and change nothing: what
    /// they name is always removed.
    pub fn remove(&mut self, list: &str) -> Result<(), PolicyError> {
        for item in items(list) {
            match Item::parse(&item) {
                Some(Item::Orientation) => self.keep_orientation = false,
                Some(Item::Icc) => self.keep_icc = false,
                Some(Item::Subtitles) => self.keep_subtitles = false,
                Some(Item::All) => {
                    let refuse_unknown = self.refuse_unknown;
                    *self = Policy {
                        refuse_unknown,
                        ..Policy::keep_nothing()
                    };
                }
                Some(Item::Category(_)) => {}
                Some(Item::None) | None => {
                    return Err(PolicyError::UnknownItem {
                        item,
                        to: "remove",
                        expected: "orientation, icc, subtitles, all, or a category name",
                    })
                }
            }
        }
        Ok(())
    }
}

/// An item of a keep or remove list.
enum Item {
    Orientation,
    Icc,
    Subtitles,
    None,
    All,
    Category(Category),
}

impl Item {
    fn parse(item: &str) -> Option<Item> {
        let item = item.to_ascii_lowercase();
        Some(match item.as_str() {
            "orientation" => Item::Orientation,
            "icc" | "colour" | "color" => Item::Icc,
            "subtitles" => Item::Subtitles,
            "none" => Item::None,
            "all" => Item::All,
            name => Item::Category(Category::ALL.into_iter().find(|c| c.name() == name)?),
        })
    }
}

fn items(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A keep or remove list that names something it cannot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Not an item of the list's vocabulary.
    #[error("unknown item to {to}: '{item}' (expected {expected})")]
    UnknownItem {
        /// The item as written.
        item: String,
        /// `keep` or `remove`.
        to: &'static str,
        /// The vocabulary.
        expected: &'static str,
    },
    /// A category of identifying metadata, which is never kept.
    #[error(
        "'{0}' cannot be kept: {0} metadata is always removed; only what showing the media \
         needs can be kept (orientation, icc, subtitles)"
    )]
    NeverKept(String),
}

impl FromStr for Policy {
    type Err = PolicyError;

    /// Parse a comma-separated list naming everything optional to keep,
    /// e.g. `orientation,icc` (the default) or `none`.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        let mut policy = Policy::keep_nothing();
        for item in items(list) {
            match Item::parse(&item) {
                Some(Item::Orientation) => policy.keep_orientation = true,
                Some(Item::Icc) => policy.keep_icc = true,
                Some(Item::Subtitles) => policy.keep_subtitles = true,
                Some(Item::None) => {}
                Some(Item::Category(category)) => {
                    return Err(PolicyError::NeverKept(category.name().to_string()))
                }
                Some(Item::All) | None => {
                    return Err(PolicyError::UnknownItem {
                        item,
                        to: "keep",
                        expected: "orientation, icc, subtitles or none",
                    })
                }
            }
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keep_lists() {
        assert_eq!(
            "orientation,icc".parse::<Policy>().unwrap(),
            Policy::default()
        );
        assert_eq!("none".parse::<Policy>().unwrap(), Policy::keep_nothing());
        assert!("gps".parse::<Policy>().is_err());
        assert!("all".parse::<Policy>().is_err());
        let never = "orientation,location".parse::<Policy>().unwrap_err();
        assert_eq!(never, PolicyError::NeverKept("location".into()));
        assert!(never.to_string().contains("always removed"), "{never}");
    }

    #[test]
    fn removes_from_keep_lists() {
        let mut policy = Policy::default();
        policy.remove("icc, location,TIME").unwrap();
        assert!(policy.keep_orientation && !policy.keep_icc);
        let mut policy: Policy = "orientation,icc,subtitles".parse().unwrap();
        policy.refuse_unknown = true;
        policy.remove("all").unwrap();
        assert_eq!(
            policy,
            Policy {
                refuse_unknown: true,
                ..Policy::keep_nothing()
            }
        );
        let err = Policy::default().remove("gps").unwrap_err();
        assert!(err.to_string().contains("unknown item to remove: 'gps'"));
        assert!(Policy::default().remove("none").is_err());
    }
}
