//! WebAssembly binding of mediascrub: clean photos and videos in the
//! browser, before upload, without sending them anywhere.
//!
//! Two ways in, both running the same core as the command-line tool,
//! verification included (a file that cannot be cleaned and verified
//! throws a JS `Error` with the message the CLI prints, and nothing is
//! returned for it):
//!
//! - the byte-array API, for photos and anywhere: `inspect(bytes, options?)`
//!   returns the report, `clean(bytes, options?)` returns
//!   `{ bytes: Uint8Array, report }`;
//! - the plan API, for large videos, in a Web Worker only:
//!   `cleanPlan(file, options?)` reads the `File`/`Blob` through ranged
//!   synchronous reads ([`BlobSource`]) and returns
//!   `{ pieces: [{copy: [offset, len]} | {data: Uint8Array} | {zeros: n}], report }`,
//!   from which JavaScript assembles `new Blob([file.slice(a, b), bytes, …])`
//!   without the video ever being copied into WebAssembly memory. The
//!   planned output is verified (re-parsed and leak-scanned, every output
//!   byte, in bounded chunks) before the pieces are returned.
//!
//! - `cleanBlob(file, options?, onProgress?)`, in a Web Worker: plans as
//!   `cleanPlan` does, builds the cleaned `Blob` from slices of `file` and
//!   the few new bytes, then verifies that `Blob` by reading it back (it is
//!   parsed again and every byte searched) before returning
//!   `{ blob, report }`. The package's `cleanFile` runs it in a Worker.
//!
//! `options` is `{ keep: "orientation,icc" }` (the CLI's `--keep` list;
//! `"none"` keeps nothing), or that list as a plain string, or omitted.

mod blob;

pub use blob::{BlobSource, Progress};

use js_sys::{Array, Object, Reflect, Uint8Array};
use mediascrub::{Cleaning, Finding, Format, Piece, Policy, Source};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// The report of one file, shaped like one entry of the CLI's `--json`
/// output (`error` is always `null` here: failures throw).
#[derive(Serialize)]
struct Report<'a> {
    format: Format,
    /// What a stranger would learn from the file, in one sentence (the
    /// CLI prints the same).
    summary: Option<String>,
    findings: &'a [Finding],
    error: Option<String>,
}

/// The hidden thumbnails and previews of `findings`, as
/// `[{ field, where, mime, bytes: Uint8Array }]`.
fn pictures(findings: &[Finding]) -> Result<Array, JsError> {
    let list = Array::new();
    for finding in findings {
        let Some(picture) = &finding.picture else {
            continue;
        };
        let object = Object::new();
        set(&object, "field", &JsValue::from_str(&finding.field))?;
        set(&object, "where", &JsValue::from_str(&finding.location))?;
        set(&object, "mime", &JsValue::from_str(picture.mime))?;
        set(
            &object,
            "bytes",
            &Uint8Array::from(picture.bytes.as_slice()),
        )?;
        list.push(&object);
    }
    Ok(list)
}

/// The options object.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Options {
    keep: Option<String>,
}

fn policy_of(keep: Option<&str>) -> Result<Policy, String> {
    match keep {
        None => Ok(Policy::default()),
        Some(list) => list.parse::<Policy>().map_err(|e| e.to_string()),
    }
}

fn policy(options: JsValue) -> Result<Policy, JsError> {
    let keep = if options.is_undefined() || options.is_null() {
        None
    } else if let Some(list) = options.as_string() {
        Some(list)
    } else {
        // serde-wasm-bindgen reads the fields it knows and ignores the
        // rest: a misspelt option must not silently keep the defaults.
        if let Some(unknown) = Object::keys(&Object::from(options.clone()))
            .iter()
            .filter_map(|key| key.as_string())
            .find(|key| key != "keep")
        {
            return Err(JsError::new(&format!(
                "invalid options: unknown option `{unknown}`, expected `keep`"
            )));
        }
        serde_wasm_bindgen::from_value::<Options>(options)
            .map_err(|e| JsError::new(&format!("invalid options: {e}")))?
            .keep
    };
    policy_of(keep.as_deref()).map_err(|e| JsError::new(&e))
}

fn error(err: mediascrub::Error) -> JsError {
    JsError::new(&err.to_string())
}

fn report(format: Format, findings: &[Finding]) -> Result<JsValue, JsError> {
    let report = Report {
        format,
        summary: mediascrub::exposure::summary(findings),
        findings,
        error: None,
    };
    let value = report
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))?;
    set(
        &Object::from(value.clone()),
        "pictures",
        &pictures(findings)?.into(),
    )?;
    Ok(value)
}

fn set(object: &Object, key: &str, value: &JsValue) -> Result<(), JsError> {
    Reflect::set(object, &JsValue::from_str(key), value)
        .map(drop)
        .map_err(|_| JsError::new("could not build the result object"))
}

/// List what `bytes` holds: `{ format, findings: [{ category, field, where,
/// value, fate }], error: null }`.
#[wasm_bindgen]
pub fn inspect(bytes: &[u8], options: JsValue) -> Result<JsValue, JsError> {
    let inspection = mediascrub::inspect(bytes, &policy(options)?).map_err(error)?;
    report(inspection.format, &inspection.findings)
}

/// Clean `bytes` and verify the result: `{ bytes: Uint8Array, report }`.
/// Throws when the file cannot be cleaned or the cleaned output would
/// still hold something sensitive.
#[wasm_bindgen]
pub fn clean(bytes: &[u8], options: JsValue) -> Result<JsValue, JsError> {
    let (cleaned, cleaning) = mediascrub::clean_bytes(bytes, &policy(options)?).map_err(error)?;
    let result = Object::new();
    set(&result, "bytes", &Uint8Array::from(cleaned.as_slice()))?;
    set(
        &result,
        "report",
        &report(cleaning.format, &cleaning.findings)?,
    )?;
    Ok(result.into())
}

/// Plan, verify and leak-scan the cleaning of any [`Source`]: the whole of
/// the plan path except the conversion to JavaScript, so it is testable
/// natively.
pub fn clean_plan_of<S: Source + ?Sized>(src: &S, policy: &Policy) -> mediascrub::Result<Cleaning> {
    let cleaning = mediascrub::clean(src, policy)?;
    cleaning.scan_output(src)?;
    Ok(cleaning)
}

fn piece(piece: &Piece) -> Result<JsValue, JsError> {
    let object = Object::new();
    match piece {
        Piece::Copy { offset, len } => {
            let range = Array::of2(&(*offset as f64).into(), &(*len as f64).into());
            set(&object, "copy", &range)?;
        }
        Piece::Data(bytes) => set(&object, "data", &Uint8Array::from(bytes.as_slice()))?,
        Piece::Zeros(len) => set(&object, "zeros", &(*len as f64).into())?,
    }
    Ok(object.into())
}

/// Clean a `File` or `Blob` without copying it into WebAssembly memory
/// (Web Workers only: it reads with `FileReaderSync`). Returns
/// `{ pieces: [{copy: [offset, len]} | {data: Uint8Array} | {zeros: n}],
/// report }`; the output is the concatenation of the pieces, `copy` being
/// `file.slice(offset, offset + len)`. The output has been re-parsed and
/// every byte of it searched for the input's sensitive values before this
/// returns; throws otherwise.
#[wasm_bindgen(js_name = cleanPlan)]
pub fn clean_plan(file: web_sys::Blob, options: JsValue) -> Result<JsValue, JsError> {
    let policy = policy(options)?;
    let src = blob_source(file, "cleanPlan")?;
    let cleaning = clean_plan_of(&src, &policy).map_err(error)?;
    let pieces = cleaning
        .plan
        .pieces()
        .iter()
        .map(piece)
        .collect::<Result<Array, JsError>>()?;
    let result = Object::new();
    set(&result, "pieces", &pieces)?;
    set(
        &result,
        "report",
        &report(cleaning.format, &cleaning.findings)?,
    )?;
    Ok(result.into())
}

fn blob_source(file: web_sys::Blob, api: &str) -> Result<BlobSource, JsError> {
    BlobSource::new(file).map_err(|e| {
        let detail = e
            .dyn_into::<js_sys::Error>()
            .ok()
            .and_then(|e| e.message().as_string())
            .unwrap_or_default();
        JsError::new(&format!(
            "{api} needs FileReaderSync, which exists only in Web Workers ({detail})"
        ))
    })
}

fn progress_of(callback: &JsValue, phase: &'static str, total: u64) -> Option<Progress> {
    callback
        .dyn_ref::<js_sys::Function>()
        .map(|f| Progress::new(f.clone(), phase, total))
}

/// List what a `File` or `Blob` holds, reading it by ranges (Web Workers
/// only): the report of `inspect`, without copying the file into
/// WebAssembly memory.
#[wasm_bindgen(js_name = inspectBlob)]
pub fn inspect_blob(file: web_sys::Blob, options: JsValue) -> Result<JsValue, JsError> {
    let policy = policy(options)?;
    let src = blob_source(file, "inspectBlob")?;
    let inspection = mediascrub::inspect(&src, &policy).map_err(error)?;
    report(inspection.format, &inspection.findings)
}

/// The cleaned output of `plan` as a `Blob`: copied ranges are slices of
/// `file` (no bytes are read or copied for them), new bytes are copied.
fn assemble(plan: &mediascrub::Plan, file: &web_sys::Blob) -> Result<web_sys::Blob, JsError> {
    const ZERO_CHUNK: u64 = 1 << 20;
    let failed = |what: &str| JsError::new(&format!("could not build the cleaned file: {what}"));
    let parts = Array::new();
    let mut zero: Option<Uint8Array> = None;
    for piece in plan.pieces() {
        match piece {
            Piece::Copy { offset, len } => {
                let end = offset.saturating_add(*len);
                let slice = file
                    .slice_with_f64_and_f64(*offset as f64, end as f64)
                    .map_err(|_| failed("Blob.slice"))?;
                parts.push(&slice);
            }
            Piece::Data(bytes) => {
                parts.push(&Uint8Array::from(bytes.as_slice()));
            }
            Piece::Zeros(len) => {
                let chunk = zero.get_or_insert_with(|| {
                    Uint8Array::new_with_length((*len).min(ZERO_CHUNK) as u32)
                });
                let mut left = *len;
                while left > 0 {
                    let n = left.min(u64::from(chunk.length()));
                    if n == u64::from(chunk.length()) {
                        parts.push(chunk);
                    } else {
                        parts.push(&chunk.subarray(0, n as u32));
                    }
                    left -= n;
                }
            }
        }
    }
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&file.type_());
    web_sys::Blob::new_with_blob_sequence_and_options(&parts, &options)
        .map_err(|_| failed("new Blob"))
}

/// Clean a `File` or `Blob` without copying it into WebAssembly memory
/// (Web Workers only) and return `{ blob, report }`. The returned `Blob`
/// is read back and verified (parsed again, every byte searched for the
/// input's sensitive values) before this returns; throws otherwise.
/// `onProgress(phase, done, total)`, if given, is called as the file is
/// read (`phase` `"read"`) and as the result is verified (`"verify"`).
#[wasm_bindgen(js_name = cleanBlob)]
pub fn clean_blob(
    file: web_sys::Blob,
    options: JsValue,
    on_progress: JsValue,
) -> Result<JsValue, JsError> {
    let policy = policy(options)?;
    let size = blob_source(file.clone(), "cleanBlob")?.len();
    let src = blob_source(file.clone(), "cleanBlob")?.with_progress(progress_of(
        &on_progress,
        "read",
        size,
    ));
    let cleaning = mediascrub::clean(&src, &policy).map_err(error)?;
    let blob = assemble(&cleaning.plan, &file)?;
    let out = blob_source(blob, "cleanBlob")?.with_progress(progress_of(
        &on_progress,
        "verify",
        cleaning.plan.output_len(),
    ));
    cleaning.check_written(&out, &policy).map_err(error)?;
    let result = Object::new();
    set(&result, "blob", out.blob())?;
    set(
        &result,
        "report",
        &report(cleaning.format, &cleaning.findings)?,
    )?;
    Ok(result.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../samples")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn reports_serialize_like_the_cli() {
        let photo = sample("photo-gps.jpg");
        let cleaning = clean_plan_of(photo.as_slice(), &Policy::default()).unwrap();
        let report = serde_json::to_value(Report {
            format: cleaning.format,
            summary: mediascrub::exposure::summary(&cleaning.findings),
            findings: &cleaning.findings,
            error: None,
        })
        .unwrap();
        assert_eq!(report["format"], "jpeg");
        assert!(report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["category"] == "location"));
    }

    #[test]
    fn plan_path_matches_the_byte_path() {
        for name in ["photo-gps.jpg", "phone-faststart.mp4"] {
            let input = sample(name);
            let (bytes, _) = mediascrub::clean_bytes(&input, &Policy::default()).unwrap();
            let cleaning = clean_plan_of(input.as_slice(), &Policy::default()).unwrap();
            let mut assembled = Vec::new();
            for piece in cleaning.plan.pieces() {
                match piece {
                    Piece::Copy { offset, len } => assembled
                        .extend_from_slice(&input[*offset as usize..(*offset + *len) as usize]),
                    Piece::Data(data) => assembled.extend_from_slice(data),
                    Piece::Zeros(n) => assembled.resize(assembled.len() + *n as usize, 0),
                }
            }
            assert_eq!(assembled, bytes, "{name}");
        }
    }

    #[test]
    fn options_name_what_is_kept() {
        assert!(policy_of(None).is_ok());
        assert!(policy_of(Some("none")).is_ok());
        let err = policy_of(Some("gps")).err().unwrap();
        assert!(err.contains("gps"), "{err}");
    }
}
