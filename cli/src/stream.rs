//! `--jsonl`: one JSON object per line on standard output, per file, as
//! soon as that file is finished, for pipelines (`jq`, Spark's
//! `RDD.pipe()`, a queue feeder) that must not wait for the whole batch.
//!
//! A processed file's line is its report, the same object as an element of
//! `files` in `--json`; a file passed over is `{"path": …, "skipped":
//! reason}`. Each line is written with one `write` call, so that several
//! processes appending to one file (`xargs -P`) do not interleave lines.
//! When the reader goes away, lines stop and the work goes on: outputs
//! are what matters, and the exit status still tells how it went.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use crate::job::{FileReport, Skipped};

/// The JSON Lines writer of a run.
pub struct JsonLines {
    out: Mutex<io::Stdout>,
    /// Set once standard output failed: no further line can arrive whole.
    closed: AtomicBool,
    /// Why, unless its reader closed it (that is not an error).
    error: Mutex<Option<io::Error>>,
}

#[derive(Serialize)]
struct SkippedLine<'a> {
    path: &'a str,
    skipped: &'a str,
}

impl JsonLines {
    pub fn new() -> Self {
        JsonLines {
            out: Mutex::new(io::stdout()),
            closed: AtomicBool::new(false),
            error: Mutex::new(None),
        }
    }

    /// One finished file.
    pub fn file(&self, report: &FileReport) {
        self.line(report);
    }

    /// One file passed over.
    pub fn skipped(&self, skipped: &Skipped) {
        self.line(&SkippedLine {
            path: &skipped.path,
            skipped: &skipped.reason,
        });
    }

    fn line(&self, value: &impl Serialize) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let Ok(mut line) = serde_json::to_vec(value) else {
            return;
        };
        line.push(b'\n');
        let out = match self.out.lock() {
            Ok(out) => out,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut out = out.lock();
        if let Err(err) = out.write_all(&line).and_then(|()| out.flush()) {
            self.closed.store(true, Ordering::Relaxed);
            if err.kind() != io::ErrorKind::BrokenPipe {
                if let Ok(mut slot) = self.error.lock() {
                    slot.get_or_insert(err);
                }
            }
        }
    }

    /// Why lines could not be written, unless their reader went away.
    pub fn error(&self) -> Option<io::Error> {
        self.error.lock().ok()?.take()
    }
}
