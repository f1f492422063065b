//! A bounds-checked cursor over bytes already in memory.
//!
//! Every read names the structure being read and the file offset, so a
//! short structure becomes a one-line [`Error::Malformed`] instead of a
//! panic; no length taken from a file is trusted before it is checked
//! against the bytes that are there.

use crate::error::{Error, Result};

/// Big-endian readers over a body, failing with an offset on
/// short data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Read `data`, which starts at file offset `base`.
    pub fn new(data: &'a [u8], base: u64, what: &'static str) -> Self {
        Reader {
            data,
            pos: 0,
            base,
            what,
        }
    }

    /// Current position within the data.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// Take `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.data.get(self.pos..end)) {
            Some(bytes) => {
                self.pos += n;
                Ok(bytes)
            }
            None => Err(Error::truncated(
                self.what,
                self.base + self.pos as u64,
                format!("needs {n} more bytes, {} remain", self.remaining()),
            )),
        }
    }

    /// Skip `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8> {
        let [byte] = self.array::<1>()?;
        Ok(byte)
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// A big-endian `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// A big-endian 24-bit value (ISO-BMFF full-box flags).
    pub fn u24(&mut self) -> Result<u32> {
        let [a, b, c] = self.array::<3>()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// An unsigned big-endian value `width` bytes wide (0 to 8).
    pub fn be_uint(&mut self, width: usize) -> Result<u64> {
        if width > 8 {
            return Err(self.error(format!("a {width}-byte integer is wider than 64 bits")));
        }
        Ok(be_uint(self.bytes(width)?))
    }

    /// An ISO-BMFF full-box prefix: version and flags.
    pub fn full_box(&mut self) -> Result<(u8, u32)> {
        let version = self.u8()?;
        let flags = self.u24()?;
        Ok((version, flags))
    }

    /// A table of `count` entries of `width` bytes, checked against the
    /// bytes that remain before anything is allocated or looped over (a
    /// count read from a file can claim billions of entries).
    pub fn table(&mut self, count: u64, width: usize) -> Result<&'a [u8]> {
        let total = usize::try_from(count)
            .ok()
            .and_then(|count| count.checked_mul(width))
            .filter(|total| *total <= self.remaining())
            .ok_or_else(|| {
                self.error(format!(
                    "claims {count} entries of {width} bytes, {} bytes remain",
                    self.remaining()
                ))
            })?;
        self.bytes(total)
    }

    /// Everything that remains.
    pub fn rest(&mut self) -> &'a [u8] {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        self.pos = self.data.len();
        rest
    }

    /// File offset of the current position.
    pub fn offset(&self) -> u64 {
        self.base.saturating_add(self.pos as u64)
    }

    /// An error at the current position.
    pub fn error(&self, reason: impl Into<String>) -> Error {
        Error::malformed(self.what, self.base + self.pos as u64, reason)
    }
}

/// An unsigned big-endian integer of up to 8 bytes (longer input keeps
/// the low 64 bits; callers bound the width).
pub(crate) fn be_uint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_byte_orders_and_refuses_short_data() {
        let data = [1u8, 2, 3, 4, 5, 6, 7, 8, 9];
        let mut r = Reader::new(&data, 100, "test");
        assert_eq!(r.u16().unwrap(), 0x0102);
        assert_eq!(r.u24().unwrap(), 0x030405);
        assert_eq!(r.u16().unwrap(), 0x0607);
        assert_eq!(r.offset(), 107);
        let err = r.u32().unwrap_err();
        assert!(matches!(err, Error::Malformed { offset: 107, .. }), "{err}");
        assert_eq!(r.rest(), &[8, 9]);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn tables_are_checked_before_use() {
        let data = [0u8; 16];
        let mut r = Reader::new(&data, 0, "test");
        assert_eq!(r.table(4, 4).unwrap().len(), 16);
        let mut r = Reader::new(&data, 0, "test");
        assert!(r.table(5, 4).is_err());
        assert!(r.table(u64::MAX, 8).is_err());
        assert!(r.table(u64::MAX / 2 + 1, 2).is_err());
    }

    #[test]
    fn wide_integers() {
        assert_eq!(be_uint(&[0x12, 0x34, 0x56]), 0x123456);
        assert_eq!(be_uint(&[]), 0);
        let data = [0xFFu8; 9];
        let mut r = Reader::new(&data, 0, "test");
        assert!(r.be_uint(9).is_err());
        assert_eq!(r.be_uint(8).unwrap(), u64::MAX);
    }
}
