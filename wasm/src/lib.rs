//! WebAssembly binding of mediascrub: clean photos and videos in the
//! browser, before upload, without sending them anywhere.
//!
//! This is the byte-array interface: `inspect(bytes)` returns the report as
//! JSON, `clean(bytes, keep)` returns the cleaned bytes and the report. Both
//! run the same core as the command-line tool, including verification: a
//! file that cannot be cleaned and verified throws, and no bytes are
//! returned for it.

use mediascrub::{Finding, Format, Policy};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The report of one file, shaped like one entry of the CLI's `--json`
/// output.
#[derive(Serialize)]
struct Report<'a> {
    format: Format,
    findings: &'a [Finding],
    error: Option<String>,
}

fn policy(keep: Option<String>) -> Result<Policy, JsError> {
    match keep {
        None => Ok(Policy::default()),
        Some(list) => list
            .parse::<Policy>()
            .map_err(|e| JsError::new(&e.to_string())),
    }
}

fn report_json(format: Format, findings: &[Finding]) -> Result<String, JsError> {
    serde_json::to_string(&Report {
        format,
        findings,
        error: None,
    })
    .map_err(|e| JsError::new(&e.to_string()))
}

/// List what `bytes` holds, as a JSON report
/// `{"format", "findings": [{"category","field","where","value","fate"}], "error"}`.
/// `keep` is the comma-separated list of optional things to keep
/// (`orientation,icc` by default; `none` keeps nothing).
#[wasm_bindgen]
pub fn inspect(bytes: &[u8], keep: Option<String>) -> Result<String, JsError> {
    let inspection =
        mediascrub::inspect(bytes, &policy(keep)?).map_err(|e| JsError::new(&e.to_string()))?;
    report_json(inspection.format, &inspection.findings)
}

/// A cleaned file and its report.
#[wasm_bindgen]
pub struct Cleaned {
    bytes: Vec<u8>,
    report: String,
}

#[wasm_bindgen]
impl Cleaned {
    /// The cleaned file (a copy, as a `Uint8Array`).
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The report as JSON.
    #[wasm_bindgen(getter)]
    pub fn report(&self) -> String {
        self.report.clone()
    }
}

/// Clean `bytes` and verify the result. Throws when the file cannot be
/// cleaned or the cleaned output would still hold something sensitive.
#[wasm_bindgen]
pub fn clean(bytes: &[u8], keep: Option<String>) -> Result<Cleaned, JsError> {
    let (cleaned, cleaning) =
        mediascrub::clean_bytes(bytes, &policy(keep)?).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(Cleaned {
        bytes: cleaned,
        report: report_json(cleaning.format, &cleaning.findings)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_json() {
        let sample = include_bytes!("../../samples/photo-gps.jpg");
        let cleaned = clean(sample, None).ok().unwrap();
        assert!(cleaned.bytes.len() < sample.len());
        let report: serde_json::Value = serde_json::from_str(&cleaned.report).unwrap();
        assert_eq!(report["format"], "jpeg");
        assert!(report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["category"] == "location"));
    }
}
