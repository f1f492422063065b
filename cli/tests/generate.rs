//! What is generated from the command-line definition: `--version` with
//! the commit, shell completions and manual pages. Each must follow the
//! flags as they are, so the tests read the flags from `--help` rather
//! than from a list kept here.

use std::collections::BTreeSet;
use std::process::{Command, Output};

fn mediascrub(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_mediascrub"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "mediascrub {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(args: &[&str]) -> String {
    String::from_utf8(mediascrub(args).stdout).unwrap()
}

/// Every long flag `mediascrub SUBCOMMAND --help` lists.
fn long_flags(subcommand: &str) -> BTreeSet<String> {
    let help = stdout(&[subcommand, "--help"]);
    let flags: BTreeSet<String> = help
        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(|word| {
            word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_string()
        })
        .collect();
    assert!(flags.contains("--json"), "{help}");
    flags
}

#[test]
fn version_names_the_version_and_the_commit() {
    let version = stdout(&["--version"]);
    let version = version.trim_end();
    let expected = format!("mediascrub {}", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(&expected), "{version}");
    assert_eq!(stdout(&["-V"]).trim_end(), version);
    // Built from a git checkout, the commit is HEAD's (build.rs reruns when
    // HEAD moves). Without git (a crate, a tarball) there may be none.
    let head = Command::new("git")
        .args(["rev-parse", "--short=9", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Ok(head) = head {
        if head.status.success() && std::env::var_os("MEDIASCRUB_COMMIT").is_none() {
            let head = String::from_utf8(head.stdout).unwrap();
            assert!(
                version.starts_with(&format!("{expected} ({} ", head.trim())),
                "{version} does not name HEAD {head}"
            );
        }
    }
}

#[test]
fn completions_know_every_flag() {
    let mut flags = long_flags("clean");
    flags.extend(long_flags("scan"));
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&["completions", shell]);
        for flag in &flags {
            let bare = flag.trim_start_matches('-');
            assert!(
                script.contains(flag.as_str()) || script.contains(&format!("-l {bare}")),
                "{shell} completion lacks {flag}"
            );
        }
        for subcommand in ["scan", "clean", "completions", "man"] {
            assert!(script.contains(subcommand), "{shell} lacks {subcommand}");
        }
    }
}

#[test]
fn manual_pages_cover_every_subcommand_and_flag() {
    let dir = tempfile::tempdir().unwrap();
    mediascrub(&["man", dir.path().to_str().unwrap()]);
    let pages: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    // One page for the command and one for each subcommand --help lists.
    let help = stdout(&["--help"]);
    let mut expected: BTreeSet<String> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(|name| format!("mediascrub-{name}.1"))
        .collect();
    expected.insert("mediascrub.1".to_string());
    for name in ["scan", "clean", "completions", "man"] {
        assert!(expected.contains(&format!("mediascrub-{name}.1")), "{help}");
    }
    assert_eq!(pages, expected);
    for (page, subcommand) in [
        ("mediascrub-clean.1", "clean"),
        ("mediascrub-scan.1", "scan"),
    ] {
        let roff = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(roff.contains(".TH MEDIASCRUB-"), "{page}");
        for section in [
            "NAME",
            "SYNOPSIS",
            "OPTIONS",
            "\"EXIT STATUS\"",
            "\"SEE ALSO\"",
        ] {
            assert!(
                roff.contains(&format!(".SH {section}")),
                "{page} lacks {section}"
            );
        }
        for flag in long_flags(subcommand) {
            assert!(
                roff.contains(&flag.replace('-', "\\-")),
                "{page} lacks {flag}"
            );
        }
    }
    let main = stdout(&["man"]);
    assert_eq!(
        main,
        std::fs::read_to_string(dir.path().join("mediascrub.1")).unwrap()
    );
    assert!(main.contains(".SH EXAMPLES") || main.contains(".SH \"EXAMPLES\""));
}
