//! What a file's entry in the file system gives away beside its bytes:
//! its modification time (often the moment it was taken or downloaded)
//! and its extended attributes (`user.xdg.origin.url`, the page a browser
//! downloaded it from; macOS's `com.apple.quarantine` and
//! `com.apple.metadata:kMDItemWhereFroms`; tags and comments). Reported as
//! findings at [`FILE_SYSTEM`]; an output never inherits any of them (it
//! is a new file, or patched in place with its attributes dropped), so
//! their fate is "removed" (but for the time of a file `--in-place` found
//! already clean, which is not written).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use mediascrub::{Category, Finding};

pub use crate::job::FILE_SYSTEM;

/// The field of the modification-time finding.
pub const MODIFIED: &str = "File modification time";

/// The findings of `path`'s file-system entry.
pub fn findings(path: &Path) -> Vec<Finding> {
    let mut found = Vec::new();
    if let Some(time) = std::fs::metadata(path).ok().and_then(|m| m.modified().ok()) {
        found.push(Finding::removed(
            Category::Time,
            MODIFIED,
            FILE_SYSTEM,
            utc(time),
        ));
    }
    found.extend(xattrs::findings(path));
    found
}

/// `2024-03-01 10:11:12 UTC`.
fn utc(time: SystemTime) -> String {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    mediascrub::unix_utc(secs)
}

/// What an extended attribute is, by its name.
#[cfg_attr(not(unix), allow(dead_code))]
fn describe(name: &str) -> Option<(Category, &'static str)> {
    // Permissions and security labels are not the user's information
    // (and an ACL is kept on purpose by --in-place).
    if name.starts_with("system.") || name.starts_with("security.") || name.starts_with("trusted.")
    {
        return None;
    }
    Some(match name {
        "user.xdg.origin.url"
        | "user.xdg.referrer.url"
        | "com.apple.metadata:kMDItemWhereFroms" => (Category::Provenance, "Download address"),
        "com.apple.quarantine" => (Category::Provenance, "Download record (app and time)"),
        n if n.starts_with("user.xdg.origin.") => (Category::Provenance, "Download origin"),
        n if n.contains("kMDItemUserTags") || n == "user.xdg.tags" => (Category::Other, "Tags"),
        n if n.contains("Comment") || n == "user.xdg.comment" => (Category::Other, "Comment"),
        _ => (Category::Other, "Extended attribute"),
    })
}

/// A short preview of an attribute's value: its text when it is text,
/// else its size.
#[cfg_attr(not(unix), allow(dead_code))]
fn preview(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(text)
            if !text.is_empty()
                && !text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t') =>
        {
            text.to_string()
        }
        _ => format!("{} bytes", value.len()),
    }
}

#[cfg(unix)]
mod xattrs {
    use std::path::Path;

    use mediascrub::Finding;

    /// Findings for the extended attributes of `path` (not followed
    /// through a final symbolic link: the file itself is read by path,
    /// as it is opened). Unreadable attributes are passed over.
    pub fn findings(path: &Path) -> Vec<Finding> {
        let mut names = vec![0u8; 64 * 1024];
        let Ok(len) = rustix::fs::listxattr(path, &mut names[..]) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let mut value = vec![0u8; 64 * 1024];
        for name in names.get(..len).unwrap_or_default().split(|b| *b == 0) {
            let Ok(name) = std::str::from_utf8(name) else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            let Some((category, field)) = super::describe(name) else {
                continue;
            };
            let shown = match rustix::fs::getxattr(path, name, &mut value[..]) {
                Ok(n) => super::preview(value.get(..n).unwrap_or_default()),
                Err(_) => "unreadable".to_string(),
            };
            found.push(Finding::removed(
                category,
                format!("{field} ({name})"),
                super::FILE_SYSTEM,
                shown,
            ));
        }
        found
    }
}

#[cfg(not(unix))]
mod xattrs {
    use std::path::Path;

    use mediascrub::Finding;

    /// Extended attributes are read on Unix only.
    pub fn findings(_path: &Path) -> Vec<Finding> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00:00 UTC");
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_709_287_872);
        assert_eq!(utc(t), "2024-03-01 10:11:12 UTC");
        let t = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400);
        assert_eq!(utc(t), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn attribute_names() {
        assert_eq!(
            describe("user.xdg.origin.url").map(|d| d.0),
            Some(Category::Provenance)
        );
        assert!(describe("system.posix_acl_access").is_none());
        assert!(describe("security.selinux").is_none());
        assert_eq!(preview(b"https://x"), "https://x");
        assert_eq!(preview(b"\0\x01bin"), "5 bytes");
    }
}
