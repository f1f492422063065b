//! [`BlobSource`]: a browser `Blob` (a `File` from an `<input>` or a drop)
//! read with ranged, synchronous reads, so the core can parse and verify a
//! large video without it ever being copied into WebAssembly memory.
//!
//! `FileReaderSync` exists only in Web Workers: on the main thread
//! [`BlobSource::new`] fails, and callers use the byte-array API instead.
//!
//! Parsers read many small headers in file order (box and element headers,
//! sample tables); each `FileReaderSync` call costs far more than a memory
//! copy, so small reads are served from a read-ahead window of
//! [`WINDOW`] bytes. Large reads (the verification's byte search) go
//! straight to the file.

use std::cell::{Cell, RefCell};
use std::io;

use mediascrub::Source;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, FileReaderSync};

/// Size of the read-ahead window for small reads.
const WINDOW: u64 = 256 * 1024;
/// Reads at least this long bypass the window.
const DIRECT: usize = 64 * 1024;
/// Progress is reported at most once per this many bytes read.
const PROGRESS_STEP: u64 = 4 * 1024 * 1024;

/// Reports bytes read to a JavaScript callback `(phase, done, total)`.
pub struct Progress {
    callback: js_sys::Function,
    phase: &'static str,
    total: u64,
    done: Cell<u64>,
    reported: Cell<u64>,
}

impl Progress {
    /// Report reads of `phase` out of `total` bytes to `callback`.
    pub fn new(callback: js_sys::Function, phase: &'static str, total: u64) -> Self {
        Progress {
            callback,
            phase,
            total,
            done: Cell::new(0),
            reported: Cell::new(0),
        }
    }

    fn add(&self, bytes: u64) {
        let done = self.done.get().saturating_add(bytes).min(self.total);
        self.done.set(done);
        if done.saturating_sub(self.reported.get()) >= PROGRESS_STEP || done == self.total {
            self.reported.set(done);
            // A throwing callback must not fail the cleaning: progress is
            // advisory.
            let _ = self.callback.call3(
                &JsValue::NULL,
                &JsValue::from_str(self.phase),
                &JsValue::from_f64(done as f64),
                &JsValue::from_f64(self.total as f64),
            );
        }
    }
}

/// A `Blob` read through `blob.slice(a, b)` and `FileReaderSync`.
pub struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
    len: u64,
    /// The read-ahead window: its offset in the blob and its bytes.
    window: RefCell<(u64, Vec<u8>)>,
    progress: Option<Progress>,
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
        Ok(BlobSource {
            blob,
            reader,
            len,
            window: RefCell::new((0, Vec::new())),
            progress: None,
        })
    }

    /// Report the bytes read from the blob (not those served from the
    /// window) to `progress`.
    pub fn with_progress(mut self, progress: Option<Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// The wrapped blob.
    pub fn blob(&self) -> &Blob {
        &self.blob
    }

    /// Read `[offset, end)` from the blob itself.
    fn read_blob(&self, offset: u64, end: u64) -> io::Result<js_sys::Uint8Array> {
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
        if u64::from(bytes.length()) != end - offset {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file returned fewer bytes than asked (did it change?)",
            ));
        }
        if let Some(progress) = &self.progress {
            progress.add(end - offset);
        }
        collection_hint(end - offset);
        Ok(bytes)
    }
}

/// Make V8 collect the `ArrayBuffer`s that `FileReaderSync` returns.
///
/// Each read returns a new `ArrayBuffer` that is garbage as soon as it is
/// copied into WebAssembly memory, but its bytes live outside the JS heap
/// and its handle is tiny, so the young generation fills only after
/// gigabytes of reads and nothing is collected: measured in Chromium 156,
/// reading a 1.3 GB file in 1 MiB chunks grew the tab by 670 MiB. A small
/// on-heap allocation per read (1/16 of the bytes read) fills the young
/// generation at a rate that makes the scavenger free those buffers as it
/// goes: the same read then peaked at +102 MiB, whatever the file size
/// (663 MB: +106 MiB). See docs/PERFORMANCE.md.
fn collection_hint(bytes_read: u64) {
    /// Elements per byte read: 4 bytes each with pointer compression.
    const ELEMENTS_PER_BYTE: u64 = 64;
    let elements = (bytes_read / ELEMENTS_PER_BYTE).min(1 << 16) as u32;
    if elements > 0 {
        // Dropped at once: only the allocation matters.
        drop(js_sys::Array::new_with_length(elements));
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
        if buf.len() >= DIRECT {
            self.read_blob(offset, end)?.copy_to(buf);
            return Ok(());
        }
        let mut window = self.window.borrow_mut();
        let (start, bytes) = &mut *window;
        let cached = offset >= *start && end <= *start + bytes.len() as u64;
        if !cached {
            let window_end = offset.saturating_add(WINDOW).min(self.len).max(end);
            *bytes = self.read_blob(offset, window_end)?.to_vec();
            *start = offset;
        }
        let from = usize::try_from(offset - *start).unwrap_or(usize::MAX);
        let source = from
            .checked_add(buf.len())
            .and_then(|to| bytes.get(from..to))
            .ok_or_else(|| io::Error::other("read-ahead window out of step"))?;
        buf.copy_from_slice(source);
        Ok(())
    }
}
