//! The binding in a real browser: headless Chromium, inside a dedicated
//! Web Worker (where `FileReaderSync`, and so the large-file path, exists),
//! through `wasm-bindgen-test-runner` and chromedriver. `.ci/run` runs it;
//! see `wasm/Cargo.toml` for the command.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use js_sys::{Array, Function, Reflect, Uint8Array};
use mediascrub::{Policy, Source};
use mediascrub_wasm::{clean_blob, clean_plan, inspect_blob, BlobSource};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Blob, BlobPropertyBag, FileReaderSync};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const PHOTO: &[u8] = include_bytes!("../../samples/photo-gps.jpg");
const VIDEO: &[u8] = include_bytes!("../../samples/phone-faststart.mp4");
const MATROSKA: &[u8] = include_bytes!("../../samples/tagged.mkv");
const AVI: &[u8] = include_bytes!("../../samples/info.avi");
const HEIF: &[u8] = include_bytes!("../../samples/photo-gps.heic");

fn blob(bytes: &[u8], mime: &str) -> Blob {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &options).unwrap()
}

fn read_all(blob: &Blob) -> Vec<u8> {
    let buffer = FileReaderSync::new()
        .unwrap()
        .read_as_array_buffer(blob)
        .unwrap();
    Uint8Array::new(&buffer).to_vec()
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap()
}

fn message(err: wasm_bindgen::JsError) -> String {
    let value = JsValue::from(err);
    value
        .dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn blob_source_reads_every_range_like_the_bytes() {
    // 700 KB of a pattern that differs at every offset modulo 251.
    let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    let src = BlobSource::new(blob(&data, "")).unwrap();
    assert_eq!(src.len(), data.len() as u64);
    let len = data.len();
    // Small reads (served from the read-ahead window, forward and back),
    // reads across the window's end, and large reads that bypass it.
    let cases = [
        (0, 8),
        (4, 4),
        (0, 1),
        (len - 8, 8),
        (262_140, 16),
        (100, 300_000),
        (len - 70_000, 70_000),
        (1000, 1),
        (12, 64 * 1024),
        (262_100, 64 * 1024 - 1),
        (len - 1, 1),
    ];
    for (offset, size) in cases {
        let mut buf = vec![0; size];
        src.read_at(offset as u64, &mut buf).unwrap();
        assert_eq!(buf, &data[offset..offset + size], "{offset}+{size}");
    }
    let mut past = [0; 4];
    assert!(src.read_at(len as u64 - 2, &mut past).is_err());
    assert!(src.read_at(u64::MAX - 1, &mut past).is_err());
}

#[wasm_bindgen_test]
fn clean_blob_gives_the_bytes_the_cli_gives() {
    for (name, bytes, mime) in [
        ("photo", PHOTO, "image/jpeg"),
        ("mp4", VIDEO, "video/mp4"),
        ("mkv", MATROSKA, "video/x-matroska"),
        ("avi", AVI, "video/x-msvideo"),
        ("heif", HEIF, "image/heic"),
    ] {
        let (expected, _) = mediascrub::clean_bytes(bytes, &Policy::default()).unwrap();
        let result = clean_blob(blob(bytes, mime), JsValue::UNDEFINED, JsValue::UNDEFINED)
            .unwrap_or_else(|e| panic!("{name}: {}", message(e)));
        let cleaned: Blob = get(&result, "blob").dyn_into().unwrap();
        assert_eq!(cleaned.type_(), mime, "{name}: the MIME type is kept");
        assert_eq!(read_all(&cleaned), expected, "{name}");
        let report = get(&result, "report");
        let findings: Array = get(&report, "findings").dyn_into().unwrap();
        assert!(findings.length() > 0, "{name}: findings reported");
    }
}

#[wasm_bindgen_test]
fn clean_blob_reports_progress_to_the_end() {
    let calls = Array::new();
    let record = Function::new_with_args("phase, done, total", "this.push([phase, done, total])")
        .bind0(&calls);
    clean_blob(blob(VIDEO, "video/mp4"), JsValue::UNDEFINED, record.into()).unwrap();
    let last = Array::from(&calls.get(calls.length() - 1));
    assert_eq!(last.get(0).as_string().unwrap(), "verify");
    assert_eq!(last.get(1).as_f64(), last.get(2).as_f64(), "ends at 100%");
}

#[wasm_bindgen_test]
fn malformed_input_throws_the_cli_message() {
    let truncated = &VIDEO[..2000];
    let err = clean_blob(
        blob(truncated, "video/mp4"),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    )
    .err()
    .unwrap();
    let text = message(err);
    assert!(
        text.starts_with("malformed MP4 box at offset 32: box 'moov' claims"),
        "{text}"
    );
    let err = inspect_blob(blob(b"not media at all", ""), JsValue::UNDEFINED)
        .err()
        .unwrap();
    assert!(!message(err).is_empty());
}

#[wasm_bindgen_test]
fn options_are_checked() {
    let options = js_sys::Object::new();
    Reflect::set(&options, &"kepp".into(), &"none".into()).unwrap();
    let err = clean_plan(blob(PHOTO, "image/jpeg"), options.into())
        .err()
        .unwrap();
    assert!(message(err).contains("unknown option `kepp`"));
    let report = inspect_blob(blob(PHOTO, "image/jpeg"), "none".into()).unwrap();
    assert_eq!(get(&report, "format").as_string().unwrap(), "jpeg");
}
