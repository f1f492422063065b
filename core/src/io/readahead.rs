//! [`ReadAhead`]: small reads served from a window of the input.
//!
//! Planners read structures a header at a time — a JPEG marker, a box or
//! element header, a chunk id and size — and each read of a `FileSource`
//! is a system call (in a browser, a `FileReaderSync` call). Measured
//! before this existed: 120 `pread`s per camera JPEG, about five per block
//! of a Matroska file (89 000 for a 470 MiB MKV). Reads up to
//! [`SMALL`] bytes are served from a [`WINDOW`]-byte window read once;
//! larger reads (segment bodies, sample tables) go straight to the input.
//! The window is small on purpose: headers sit close together, and a large
//! window would copy the media payload between them for nothing.

use std::cell::RefCell;
use std::io;

use super::Source;

/// Bytes read around a small read.
const WINDOW: usize = 8 * 1024;
/// Reads up to this long go through the window.
const SMALL: usize = 1024;

/// `inner` with small reads served from a window.
pub(crate) struct ReadAhead<'a> {
    inner: &'a dyn Source,
    /// The window's offset in `inner`, and its bytes.
    window: RefCell<(u64, Vec<u8>)>,
}

impl<'a> ReadAhead<'a> {
    pub(crate) fn new(inner: &'a dyn Source) -> Self {
        ReadAhead {
            inner,
            window: RefCell::new((0, Vec::new())),
        }
    }
}

impl Source for ReadAhead<'_> {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if buf.len() > SMALL {
            return self.inner.read_at(offset, buf);
        }
        let end = offset
            .checked_add(buf.len() as u64)
            .filter(|end| *end <= self.inner.len())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "read past the end of the input",
                )
            })?;
        let Ok(mut window) = self.window.try_borrow_mut() else {
            // Never re-entered; if it were, read directly rather than fail.
            return self.inner.read_at(offset, buf);
        };
        let (start, bytes) = &mut *window;
        let cached = offset >= *start && end <= *start + bytes.len() as u64;
        if !cached {
            let fill_end = offset
                .saturating_add(WINDOW as u64)
                .min(self.inner.len())
                .max(end);
            let fill = usize::try_from(fill_end - offset)
                .map_err(|_| io::Error::other("read-ahead window too large"))?;
            bytes.resize(fill, 0);
            self.inner.read_at(offset, bytes)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A source that counts the reads that reach it.
    struct Counting<'a> {
        bytes: &'a [u8],
        reads: Cell<usize>,
    }

    impl Source for Counting<'_> {
        fn len(&self) -> u64 {
            self.bytes.len() as u64
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
            self.reads.set(self.reads.get() + 1);
            self.bytes.read_at(offset, buf)
        }
    }

    #[test]
    fn every_read_returns_the_inputs_bytes() {
        let data: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let inner = Counting {
            bytes: &data,
            reads: Cell::new(0),
        };
        let ahead = ReadAhead::new(&inner);
        let len = data.len();
        for (offset, size) in [
            (0, 4),
            (4, 4),
            (2, 10),
            (8190, 8),
            (8188, 8),
            (100, 2000),
            (len - 3, 3),
            (len - 1, 1),
            (5000, 0),
            (0, 1024),
            (30_000, 1025),
        ] {
            let mut buf = vec![0; size];
            ahead.read_at(offset as u64, &mut buf).unwrap();
            assert_eq!(buf, &data[offset..offset + size], "{offset}+{size}");
        }
        let mut past = [0; 4];
        assert!(ahead.read_at(len as u64 - 2, &mut past).is_err());
        assert!(ahead.read_at(u64::MAX - 1, &mut past).is_err());
    }

    #[test]
    fn headers_close_together_cost_one_read() {
        let data = vec![7u8; 100_000];
        let inner = Counting {
            bytes: &data,
            reads: Cell::new(0),
        };
        let ahead = ReadAhead::new(&inner);
        let mut header = [0; 8];
        for offset in (0..8000).step_by(100) {
            ahead.read_at(offset, &mut header).unwrap();
        }
        assert_eq!(inner.reads.get(), 1);
    }
}
