//! [`BlobSource`]: a browser `Blob` (a `File` from an `<input>` or a drop)
//! read with ranged, synchronous reads, so the core can parse and verify a
//! large video without it ever being copied into WebAssembly memory.
//!
//! `FileReaderSync` exists only in Web Workers: on the main thread
//! [`BlobSource::new`] fails, and callers use the byte-array API instead.

use std::io;

use mediascrub::Source;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, FileReaderSync};

/// A `Blob` read through `blob.slice(a, b)` and `FileReaderSync`.
pub struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
    len: u64,
}

impl BlobSource {
    /// Wrap `blob`. Its size is taken once (a `Blob` is immutable).
    pub fn new(blob: Blob) -> Result<Self, JsValue> {
        let reader = FileReaderSync::new()?;
        let size = blob.size();
        // A Blob's size is a non-negative integer below 2^53.
        let len = if size.is_finite() && size >= 0.0 {
            size as u64
        } else {
            0
        };
        Ok(BlobSource { blob, reader, len })
    }
}

fn js_error(what: &str, err: &JsValue) -> io::Error {
    let detail = err
        .clone()
        .dyn_into::<js_sys::Error>()
        .ok()
        .and_then(|e| e.message().as_string())
        .or_else(|| err.as_string())
        .unwrap_or_default();
    io::Error::other(format!("{what}: {detail}"))
}

impl Source for BlobSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset
            .checked_add(buf.len() as u64)
            .filter(|end| *end <= self.len)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "read past the end of the input",
                )
            })?;
        if buf.is_empty() {
            return Ok(());
        }
        // Offsets below 2^53 are exact as f64.
        let slice = self
            .blob
            .slice_with_f64_and_f64(offset as f64, end as f64)
            .map_err(|e| js_error("Blob.slice failed", &e))?;
        let bytes = self
            .reader
            .read_as_array_buffer(&slice)
            .map_err(|e| js_error("reading the file failed", &e))?;
        let bytes = js_sys::Uint8Array::new(&bytes);
        if bytes.length() as usize != buf.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file returned fewer bytes than asked (did it change?)",
            ));
        }
        bytes.copy_to(buf);
        Ok(())
    }
}
