//! Codec configuration records in `CodecPrivate`: each is walked by its
//! own length fields, so that bytes after the record — which decoders
//! never read, and where a muxer or a person can hide text — are found.
//!
//! Checked: `V_MPEG4/ISO/AVC` (`avcC`, ISO/IEC 14496-15 § 5.3.3.1, with its
//! high-profile extension), `V_MPEGH/ISO/HEVC` (`hvcC`, § 8.3.3.1),
//! `V_AV1` (`av1C`: four bytes, then configuration OBUs, each with its
//! size), `V_VP9` (the feature list of the WebM codec mapping), `A_OPUS`
//! (`OpusHead`, RFC 7845 § 5.1) and `A_AAC` (`AudioSpecificConfig`,
//! ISO/IEC 14496-3 § 1.6.2.1, bit by bit, its program config element's
//! comment included). The records' own counts and sizes say where they
//! end, so bytes after that are unambiguously unused: they are zeroed in
//! place (the element keeps its length, nothing moves) and reported.
//! A record that is cut short or has fields this module cannot account
//! for refuses the file.
//!
//! Pure functions over the bytes; the walker applies the result.

/// What a configuration record accounts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Record {
    /// Bytes the record uses; what follows is unused.
    pub end: usize,
    /// A text field inside the record (the AAC program config element's
    /// comment), to be zeroed.
    pub comment: Option<(usize, usize)>,
}

impl Record {
    fn ends(end: usize) -> Self {
        Record { end, comment: None }
    }
}

/// The record of `codec`'s configuration `private`: `Ok(None)` when the
/// codec's record is not walked here, `Err` with a reason when it is
/// malformed.
pub(super) fn record(codec: &str, private: &[u8]) -> Result<Option<Record>, String> {
    let record = match codec {
        "V_MPEG4/ISO/AVC" => avcc(private)?,
        "V_MPEGH/ISO/HEVC" => hvcc(private)?,
        "V_AV1" => av1c(private)?,
        "V_VP9" => vp9(private)?,
        "A_OPUS" => opus_head(private)?,
        "A_AAC" => audio_specific_config(private)?,
        _ => return Ok(None),
    };
    Ok(Some(record))
}

/// A bounds-checked reader over bytes.
struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bytes<'_> {
    fn u8(&mut self) -> Result<u8, String> {
        let b = *self.data.get(self.pos).ok_or_else(short)?;
        self.pos += 1;
        Ok(b)
    }

    fn u16(&mut self) -> Result<usize, String> {
        Ok(usize::from(self.u8()?) << 8 | usize::from(self.u8()?))
    }

    fn skip(&mut self, len: usize) -> Result<(), String> {
        let end = self.pos.checked_add(len).ok_or_else(short)?;
        if end > self.data.len() {
            return Err(short());
        }
        self.pos = end;
        Ok(())
    }

    fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }
}

fn short() -> String {
    "the codec configuration is cut short".to_string()
}

/// `avcC`: header, SPS and PPS lists, and for the high profiles the
/// optional chroma / bit depth extension with its SPS extensions.
fn avcc(data: &[u8]) -> Result<Record, String> {
    let mut r = Bytes { data, pos: 0 };
    if r.u8()? != 1 {
        return Err("avcC version is not 1".to_string());
    }
    let profile = r.u8()?;
    r.skip(3)?;
    let sps = r.u8()? & 0x1F;
    for _ in 0..sps {
        let len = r.u16()?;
        r.skip(len)?;
    }
    let pps = r.u8()?;
    for _ in 0..pps {
        let len = r.u16()?;
        r.skip(len)?;
    }
    if matches!(profile, 100 | 110 | 122 | 144) && r.remaining() >= 4 {
        r.skip(3)?;
        let ext = r.u8()?;
        for _ in 0..ext {
            let len = r.u16()?;
            r.skip(len)?;
        }
    }
    Ok(Record::ends(r.pos))
}

/// `hvcC`: 22 bytes of header, then arrays of NAL units.
fn hvcc(data: &[u8]) -> Result<Record, String> {
    let mut r = Bytes { data, pos: 0 };
    if r.u8()? != 1 {
        return Err("hvcC version is not 1".to_string());
    }
    r.skip(21)?;
    let arrays = r.u8()?;
    for _ in 0..arrays {
        r.skip(1)?;
        let nalus = r.u16()?;
        for _ in 0..nalus {
            let len = r.u16()?;
            r.skip(len)?;
        }
    }
    Ok(Record::ends(r.pos))
}

/// `av1C`: four bytes, then OBUs: sequence headers, and metadata of the
/// two HDR kinds (light level, mastering display). Other metadata (ITU-T
/// T.35 payloads, timecodes) is refused: it would be kept unexamined.
fn av1c(data: &[u8]) -> Result<Record, String> {
    let mut r = Bytes { data, pos: 0 };
    if r.u8()? != 0x81 {
        return Err("av1C marker or version is not 1".to_string());
    }
    r.skip(3)?;
    while r.remaining() > 0 {
        let header = r.u8()?;
        let kind = (header >> 3) & 0x0F;
        if header & 0x80 != 0 {
            return Err("av1C OBU with its forbidden bit set".to_string());
        }
        if header & 0x04 != 0 {
            r.skip(1)?;
        }
        let size = if header & 0x02 != 0 {
            leb128(&mut r)?
        } else {
            // Without a size, the OBU runs to the end of the record.
            r.remaining()
        };
        let body = r.pos;
        r.skip(size)?;
        match kind {
            1 => {}
            5 => {
                let mut m = Bytes {
                    data: data.get(body..r.pos).unwrap_or_default(),
                    pos: 0,
                };
                let metadata_type = leb128(&mut m)?;
                if !matches!(metadata_type, 1 | 2) {
                    return Err(format!(
                        "av1C metadata OBU of type {metadata_type} cannot be examined"
                    ));
                }
            }
            other => return Err(format!("av1C holds an OBU of type {other}")),
        }
    }
    Ok(Record::ends(r.pos))
}

fn leb128(r: &mut Bytes<'_>) -> Result<usize, String> {
    let mut value = 0u64;
    for i in 0..8 {
        let b = r.u8()?;
        value |= u64::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return usize::try_from(value).map_err(|_| short());
        }
    }
    Err("av1C OBU size longer than 8 bytes".to_string())
}

/// VP9: a list of (ID, length, value) features, IDs 1 to 4 of one byte
/// each (profile, level, bit depth, chroma subsampling).
fn vp9(data: &[u8]) -> Result<Record, String> {
    let mut r = Bytes { data, pos: 0 };
    while r.remaining() > 0 {
        let id = r.u8()?;
        let len = r.u8()?;
        if !(1..=4).contains(&id) || len != 1 {
            return Err(format!("VP9 codec feature {id} of {len} bytes"));
        }
        r.skip(1)?;
    }
    Ok(Record::ends(r.pos))
}

/// `OpusHead`: 19 bytes, plus the stream counts and the channel mapping
/// when the mapping family is not 0.
fn opus_head(data: &[u8]) -> Result<Record, String> {
    if !data.starts_with(b"OpusHead") {
        return Err("Opus codec private data is not an OpusHead".to_string());
    }
    let mut r = Bytes { data, pos: 8 };
    let version = r.u8()?;
    if version >> 4 != 0 {
        return Err(format!("OpusHead version {version}"));
    }
    let channels = usize::from(r.u8()?);
    r.skip(8)?;
    if r.u8()? != 0 {
        r.skip(2 + channels)?;
    }
    Ok(Record::ends(r.pos))
}

/// A big-endian bit reader.
struct Bits<'a> {
    data: &'a [u8],
    bit: usize,
}

impl Bits<'_> {
    fn read(&mut self, n: usize) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..n {
            let byte = *self.data.get(self.bit / 8).ok_or_else(short)?;
            value = value << 1 | u32::from((byte >> (7 - self.bit % 8)) & 1);
            self.bit += 1;
        }
        Ok(value)
    }

    fn remaining(&self) -> usize {
        (self.data.len() * 8).saturating_sub(self.bit)
    }

    fn skip(&mut self, n: usize) -> Result<(), String> {
        if n > self.remaining() {
            return Err(short());
        }
        self.bit += n;
        Ok(())
    }

    fn object_type(&mut self) -> Result<u32, String> {
        let aot = self.read(5)?;
        Ok(if aot == 31 { 32 + self.read(6)? } else { aot })
    }

    fn frequency(&mut self) -> Result<(), String> {
        if self.read(4)? == 15 {
            self.read(24)?;
        }
        Ok(())
    }
}

/// `AudioSpecificConfig` of the AAC family (GASpecificConfig object
/// types), with SBR/PS signalling, explicit or by sync extension.
fn audio_specific_config(data: &[u8]) -> Result<Record, String> {
    let mut b = Bits { data, bit: 0 };
    let mut aot = b.object_type()?;
    b.frequency()?;
    let channels = b.read(4)?;
    let mut explicit_sbr = false;
    if aot == 5 || aot == 29 {
        explicit_sbr = true;
        b.frequency()?;
        aot = b.object_type()?;
    }
    if !matches!(aot, 1..=4 | 6 | 7 | 17 | 19..=23) {
        return Err(format!("AAC audio object type {aot} is not examined"));
    }
    b.read(1)?; // frameLengthFlag
    if b.read(1)? == 1 {
        b.read(14)?; // coreCoderDelay
    }
    let extension = b.read(1)?;
    let mut comment = None;
    if channels == 0 {
        comment = program_config_element(&mut b)?;
    }
    if aot == 6 || aot == 20 {
        b.read(3)?;
    }
    if extension == 1 {
        if aot == 22 {
            b.read(16)?;
        }
        if matches!(aot, 17 | 19 | 20 | 23) {
            b.read(3)?;
        }
        b.read(1)?;
    }
    if matches!(aot, 17 | 19..=23) && b.read(2)? > 1 {
        return Err("AAC error protection configuration is not examined".to_string());
    }
    if !explicit_sbr && b.remaining() >= 16 {
        let mark = b.bit;
        if b.read(11)? == 0x2B7 {
            if b.object_type()? == 5 && b.read(1)? == 1 {
                b.frequency()?;
                if b.remaining() >= 12 {
                    let ps = b.bit;
                    if b.read(11)? == 0x548 {
                        b.read(1)?;
                    } else {
                        b.bit = ps;
                    }
                }
            }
        } else {
            b.bit = mark;
        }
    }
    Ok(Record {
        end: b.bit.div_ceil(8),
        comment,
    })
}

/// `program_config_element` (ISO/IEC 14496-3 § 4.4.1.1): counts and tags,
/// then a comment. Returns the comment's byte range.
fn program_config_element(b: &mut Bits<'_>) -> Result<Option<(usize, usize)>, String> {
    b.read(10)?; // tag, object type, sampling frequency index
    let front = b.read(4)?;
    let side = b.read(4)?;
    let back = b.read(4)?;
    let lfe = b.read(2)?;
    let assoc = b.read(3)?;
    let cc = b.read(4)?;
    for bits in [4, 4, 3] {
        if b.read(1)? == 1 {
            b.read(bits)?;
        }
    }
    let elements = 5 * (front + side + back + cc) + 4 * (lfe + assoc);
    b.skip(usize::try_from(elements).map_err(|_| short())?)?;
    b.bit = b.bit.div_ceil(8) * 8;
    let len = usize::try_from(b.read(8)?).map_err(|_| short())?;
    let start = b.bit / 8;
    b.skip(8 * len)?;
    Ok((len > 0).then_some((start, start + len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_end_where_their_fields_say() {
        // avcC, baseline: one SPS of 2 bytes, one PPS of 1 byte.
        let avcc = [1, 66, 0, 30, 0xFF, 0xE1, 0, 2, 0x67, 0x42, 1, 0, 1, 0x68];
        assert_eq!(record("V_MPEG4/ISO/AVC", &avcc), Ok(Some(Record::ends(14))));
        let mut tail = avcc.to_vec();
        tail.extend_from_slice(b"Jane Planted");
        assert_eq!(record("V_MPEG4/ISO/AVC", &tail), Ok(Some(Record::ends(14))));
        assert!(record("V_MPEG4/ISO/AVC", &avcc[..12]).is_err());
        // High profile: the extension is part of the record.
        let mut high = avcc.to_vec();
        high[1] = 100;
        high.extend_from_slice(&[0xFD, 0xF8, 0xF8, 1, 0, 1, 0x6D]);
        assert_eq!(record("V_MPEG4/ISO/AVC", &high), Ok(Some(Record::ends(21))));
        // hvcC: no arrays.
        let mut hvcc = vec![1u8];
        hvcc.extend_from_slice(&[0; 21]);
        hvcc.push(1);
        hvcc.extend_from_slice(&[0x20, 0, 1, 0, 2, 0x40, 0x01]);
        assert_eq!(
            record("V_MPEGH/ISO/HEVC", &hvcc),
            Ok(Some(Record::ends(30)))
        );
        // OpusHead, family 0 and 1.
        let mut opus = b"OpusHead".to_vec();
        opus.extend_from_slice(&[1, 2, 0x38, 1, 0x80, 0xBB, 0, 0, 0, 0, 0]);
        assert_eq!(record("A_OPUS", &opus), Ok(Some(Record::ends(19))));
        opus[18] = 1;
        opus.extend_from_slice(&[1, 1, 0, 1]);
        assert_eq!(record("A_OPUS", &opus), Ok(Some(Record::ends(23))));
        // av1C: a sequence header OBU of 2 bytes; T.35 metadata refused.
        let av1c = [0x81, 0, 0, 0, 0x0A, 2, 0, 0];
        assert_eq!(record("V_AV1", &av1c), Ok(Some(Record::ends(8))));
        assert!(record("V_AV1", &[0x81, 0, 0, 0, 0x2A, 3, 4, b'J', b'a']).is_err());
        // VP9 features.
        assert_eq!(
            record("V_VP9", &[1, 1, 0, 3, 1, 8]),
            Ok(Some(Record::ends(6)))
        );
        assert!(record("V_VP9", b"Jane").is_err());
        // AAC LC, 44.1 kHz stereo: two bytes.
        assert_eq!(record("A_AAC", &[0x12, 0x10]), Ok(Some(Record::ends(2))));
        // With a sync extension signalling SBR: five bytes.
        let sbr = [0x13, 0x10, 0x56, 0xE5, 0x98];
        assert_eq!(record("A_AAC", &sbr), Ok(Some(Record::ends(5))));
        assert_eq!(record("V_VP8", b"anything"), Ok(None));
    }

    #[test]
    fn aac_program_config_comment_is_found() {
        // AAC LC (2), 48 kHz (3), channel configuration 0, then a PCE with
        // one front element and a 4-byte comment.
        let mut bits = String::new();
        bits += "00010"; // object type 2
        bits += "0011"; // 48 kHz
        bits += "0000"; // channels from the PCE
        bits += "000"; // GASpecificConfig flags
        bits += "0000"; // element_instance_tag
        bits += "01"; // object_type
        bits += "0011"; // sampling frequency index
        bits += "000100000000000000000"; // 1 front, no side/back/lfe/assoc/cc
        bits += "000"; // no mixdowns
        bits += "10000"; // front element: CPE, tag 0
        while bits.len() % 8 != 0 {
            bits.push('0');
        }
        let mut bytes: Vec<u8> = bits
            .as_bytes()
            .chunks(8)
            .map(|c| c.iter().fold(0u8, |acc, b| acc << 1 | (b - b'0')))
            .collect();
        bytes.push(4);
        let start = bytes.len();
        bytes.extend_from_slice(b"Jane");
        let record = record("A_AAC", &bytes).unwrap().unwrap();
        assert_eq!(record.comment, Some((start, start + 4)));
        assert_eq!(record.end, bytes.len());
        for cut in 0..bytes.len() {
            assert!(audio_specific_config(&bytes[..cut]).is_err(), "cut {cut}");
        }
    }
}
