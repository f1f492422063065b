//! Positioned, read-only access to the input.
//!
//! The core never assumes a file system: it reads through [`Source`], which is
//! implemented for byte slices, for files (positioned reads, no shared
//! cursor, so one `File` can serve parallel readers) and, in the `wasm`
//! crate, for browser `Blob`s.

use std::io;

use crate::error::{Error, Result};

/// Random-access, read-only input.
pub trait Source {
    /// Total length of the input in bytes.
    fn len(&self) -> u64;

    /// Whether the input is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fill `buf` with the bytes starting at `offset`. Fails if the range is
    /// not entirely inside the input.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

impl Source for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| out_of_range())?;
        let end = start.checked_add(buf.len()).ok_or_else(out_of_range)?;
        let bytes = self.get(start..end).ok_or_else(out_of_range)?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.as_slice().read_at(offset, buf)
    }
}

impl<S: Source + ?Sized> Source for &S {
    fn len(&self) -> u64 {
        (**self).len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_at(offset, buf)
    }
}

/// A file read with positioned reads. Its length is taken once, when it is
/// wrapped, so a file that shrinks while it is read yields read errors rather
/// than silently short output.
#[cfg(any(unix, windows))]
#[derive(Debug)]
pub struct FileSource {
    file: std::fs::File,
    len: u64,
}

#[cfg(any(unix, windows))]
impl FileSource {
    /// Wrap an open file.
    pub fn new(file: std::fs::File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(FileSource { file, len })
    }

    /// The wrapped file.
    pub fn file(&self) -> &std::fs::File {
        &self.file
    }
}

#[cfg(any(unix, windows))]
impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or_else(out_of_range)?;
        if end > self.len {
            return Err(out_of_range());
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
        }
        #[cfg(windows)]
        {
            let mut done = 0;
            while let Some(rest) = buf.get_mut(done..).filter(|rest| !rest.is_empty()) {
                let n = std::os::windows::fs::FileExt::seek_read(
                    &self.file,
                    rest,
                    offset + done as u64,
                )?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                done += n;
            }
            Ok(())
        }
    }
}

fn out_of_range() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "read past the end of the input",
    )
}

impl std::fmt::Debug for dyn Source + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Source({} bytes)", self.len())
    }
}

/// Convenience reads on top of [`Source`] that turn short reads into
/// structural errors naming what was being read.
pub(crate) trait SourceExt: Source {
    /// Read exactly `len` bytes at `offset` into a new buffer, refusing more
    /// than `limit` bytes (so a length field cannot force a huge allocation).
    fn read_vec(
        &self,
        offset: u64,
        len: u64,
        limit: u64,
        structure: &'static str,
    ) -> Result<Vec<u8>> {
        if len > limit {
            return Err(Error::Limit {
                what: structure,
                offset,
                limit,
            });
        }
        let end = offset.checked_add(len);
        if end.is_none_or(|end| end > self.len()) {
            return Err(Error::overrun(
                structure,
                offset,
                format!("{len} bytes claimed but the file ends first"),
            ));
        }
        // Checked above against the input and the limit: only now allocate.
        let size = usize::try_from(len).map_err(|_| Error::Limit {
            what: structure,
            offset,
            limit,
        })?;
        let mut buf = vec![0; size];
        self.read_at(offset, &mut buf)?;
        Ok(buf)
    }

    /// Read the bytes at `offset` up to `end` (exclusive) or up to the size
    /// of `buf`, whichever comes first: the head of a structure whose
    /// length is only known to be at most `end - offset`.
    fn read_prefix<'b>(&self, offset: u64, end: u64, buf: &'b mut [u8]) -> Result<&'b [u8]> {
        let want = end.saturating_sub(offset).min(buf.len() as u64);
        let head = buf
            .get_mut(..usize::try_from(want).unwrap_or(0))
            .unwrap_or_default();
        self.read_at(offset, head)?;
        Ok(head)
    }

    /// Read a fixed-size array at `offset`.
    fn read_array<const N: usize>(&self, offset: u64, structure: &'static str) -> Result<[u8; N]> {
        let mut buf = [0u8; N];
        let end = offset.checked_add(N as u64);
        if end.is_none_or(|end| end > self.len()) {
            return Err(Error::truncated(structure, offset, "truncated"));
        }
        self.read_at(offset, &mut buf)?;
        Ok(buf)
    }
}

impl<S: Source + ?Sized> SourceExt for S {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claimed_lengths_are_checked_before_allocating() {
        let input = vec![7u8; 100];
        // A length past the end of the input is a structural error, even
        // with no limit at all (this would abort if it were allocated).
        let err = input
            .read_vec(10, u64::MAX / 2, u64::MAX, "box")
            .unwrap_err();
        assert!(matches!(err, Error::Malformed { offset: 10, .. }), "{err}");
        assert_eq!(err.malformation(), Some(crate::Malformation::Overrun));
        // Offset + length overflowing u64.
        let err = input.read_vec(u64::MAX, 2, u64::MAX, "box").unwrap_err();
        assert!(matches!(err, Error::Malformed { .. }), "{err}");
        // Over the explicit limit, even when the bytes exist.
        let err = input.read_vec(0, 50, 49, "box").unwrap_err();
        assert!(matches!(err, Error::Limit { limit: 49, .. }), "{err}");
        // Exactly what exists is fine.
        assert_eq!(input.read_vec(90, 10, 10, "box").unwrap(), vec![7; 10]);
        assert!(input.read_array::<4>(97, "head").is_err());
        assert!(input.read_array::<4>(u64::MAX - 1, "head").is_err());
    }

    #[test]
    fn slice_reads_past_the_end_fail() {
        let input = [1u8, 2, 3];
        let mut buf = [0u8; 2];
        assert!(input.as_slice().read_at(2, &mut buf).is_err());
        assert!(input.as_slice().read_at(u64::MAX, &mut buf).is_err());
        assert!(input.as_slice().read_at(1, &mut buf).is_ok());
        assert_eq!(buf, [2, 3]);
    }

    #[cfg(unix)]
    #[test]
    fn file_source_keeps_its_length_and_fails_when_the_file_shrinks() {
        use std::io::Write;
        let mut file = tempfile_in_target();
        file.write_all(&[5u8; 64]).unwrap();
        let src = FileSource::new(file.try_clone().unwrap()).unwrap();
        assert_eq!(src.len(), 64);
        file.set_len(10).unwrap();
        let mut buf = [0u8; 8];
        assert!(src.read_at(32, &mut buf).is_err());
        assert!(src.read_at(100, &mut buf).is_err());
    }

    #[cfg(unix)]
    fn tempfile_in_target() -> std::fs::File {
        let path = std::env::temp_dir().join(format!(
            "mediascrub-source-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        let _ = std::fs::remove_file(&path);
        file
    }
}
