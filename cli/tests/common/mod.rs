//! What the CLI test files share.

use std::io::Write;

/// Say that a test skipped a check its environment cannot run (root, a
/// mount, an ACL-capable file system): straight to the terminal, past the
/// test harness's capture, and appended to `$MEDIASCRUB_SKIP_LOG` when
/// set, so that `test.sh` counts it in its summary.
#[cfg_attr(not(unix), allow(dead_code))] // the skipping tests are Unix-only
pub fn skip(line: &str) {
    let line = format!("SKIP {line}");
    let _ = writeln!(std::io::stderr(), "{line}");
    if let Some(log) = std::env::var_os("MEDIASCRUB_SKIP_LOG") {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log);
        if let Ok(mut file) = file {
            let _ = file.write_all(format!("{line}\n").as_bytes());
        }
    }
}
