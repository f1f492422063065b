//! Every input under `tests/regressions/` (fuzzer finds and crafted limit
//! probes) through every format parser and the whole cleaning path: never
//! a panic, never a hang, and no verified output that still leaks.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

use mediascrub::{clean_bytes, fuzzing, inspect, Format, Policy};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Run `f` in a thread with panics caught and a time limit.
fn guarded(
    what: String,
    f: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(TIMEOUT) {
        Ok(Ok(result)) => result.map_err(|e| format!("{what}: {e}")),
        Ok(Err(_)) => Err(format!("{what}: PANIC")),
        Err(_) => Err(format!("{what}: HANG (over {TIMEOUT:?})")),
    }
}

#[test]
fn regression_inputs_are_handled() {
    let dir = crate::common::workspace_root().join("tests/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/regressions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::sync::Arc::new(std::fs::read(&path).unwrap());
        for format in Format::ALL {
            let data = bytes.clone();
            let result = guarded(format!("{name} as {format}"), move || {
                if let Ok(inspection) =
                    fuzzing::plan_as(format, &data.as_slice(), &Policy::default())
                {
                    inspection
                        .plan
                        .check_ranges(data.len() as u64)
                        .map_err(|e| e.to_string())?;
                }
                Ok(())
            });
            failures.extend(result.err());
        }
        let data = bytes.clone();
        let result = guarded(format!("{name} cleaned"), move || {
            if let Ok((out, _)) = clean_bytes(&data, &Policy::default()) {
                let again = inspect(&out, &Policy::default()).map_err(|e| e.to_string())?;
                if let Some(leak) = again.findings.iter().find(|f| f.is_leak()) {
                    return Err(format!("output still holds {leak:?}"));
                }
            }
            Ok(())
        });
        failures.extend(result.err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
