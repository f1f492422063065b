//! What to keep. The defaults are the safe choice: keep only what is needed
//! to show the media as intended.

use std::str::FromStr;

/// Optional things a user may choose to keep.
///
/// ```
/// use mediascrub::Policy;
/// let everything_optional_gone = Policy::strict();
/// let from_cli: Policy = "orientation,subtitles".parse().unwrap();
/// assert!(from_cli.keep_orientation && !from_cli.keep_icc);
/// assert_eq!(Policy::default(), "orientation,icc".parse().unwrap());
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
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            keep_orientation: true,
            keep_icc: true,
            keep_subtitles: false,
        }
    }
}

impl Policy {
    /// Keep nothing optional at all.
    pub fn strict() -> Self {
        Policy {
            keep_orientation: false,
            keep_icc: false,
            keep_subtitles: false,
        }
    }
}

/// Error for an unknown `--keep` item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown item to keep: '{0}' (expected orientation, icc, subtitles or none)")]
pub struct UnknownKeep(pub String);

impl FromStr for Policy {
    type Err = UnknownKeep;

    /// Parse a comma-separated list naming everything optional to keep,
    /// e.g. `orientation,icc` (the default) or `none`.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        let mut policy = Policy::strict();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item.to_ascii_lowercase().as_str() {
                "orientation" => policy.keep_orientation = true,
                "icc" | "colour" | "color" => policy.keep_icc = true,
                "subtitles" => policy.keep_subtitles = true,
                "none" => {}
                _ => return Err(UnknownKeep(item.to_string())),
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
        assert_eq!("none".parse::<Policy>().unwrap(), Policy::strict());
        assert!("gps".parse::<Policy>().is_err());
    }
}
