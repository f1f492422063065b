//! ISO base media files: MP4, MOV, M4V, M4A, 3GP/3G2, fragmented MP4.
//!
//! Only the box structure is parsed. `mdat` is never read: it is copied by
//! range, with the samples of removed tracks replaced by zeroes. `moov` (at
//! most [`Mp4Limits::max_moov`](crate::limits::Mp4Limits::max_moov)) and fragment headers (`moof`) are read into
//! memory and rewritten.
//!
//! **Removed**: `udta` and `meta` anywhere (QuickTime `©xyz`, 3GPP `loci`,
//! Apple `mdta` keys, iTunes item lists, XMP, GoPro `GPMF`/`FIRM`/`CAME`/…),
//! top-level `uuid` boxes (XMP, C2PA, vendor), `prft`, `free`/`skip`/`wide`
//! padding, `mfra`, unknown boxes, and every track that is not video or
//! audio: timed metadata (GoPro `gpmd`, Apple `mebx`, Google `camm`, DJI),
//! timecode, text/subtitles (unless [`Policy::keep_subtitles`](crate::policy::Policy::keep_subtitles) and the text
//! does not look like positions), hint tracks. The sample bytes of removed
//! tracks are zeroed inside `mdat`, so their content (every GPS fix of a
//! telemetry track) is gone, not just unreferenced.
//!
//! **Zeroed**: creation/modification times of `mvhd`, `tkhd`, `mdhd`, and
//! their reserved fields (QuickTime's preview, poster, selection and
//! current times, quality); handler names and QuickTime component
//! manufacturers; the vendor, version, compressor name and QuickTime
//! quality of sample entries and the vendor of 3GPP decoder configurations
//! (`damr`, `d263`, …); the `ftyp`/`styp` minor version, and vendor brands
//! (replaced by the major brand, or `isom`, at the same size); bytes of
//! `mdat` that no sample refers to (leftovers of edits, vendor blobs), when
//! the kept tracks' tables give exact byte ranges — from `moov` and, in
//! fragmented files, from every `trun`.
//!
//! **Blanked in place**: the Exif, XMP, comments and JFIF thumbnails inside
//! every frame of a kept Motion JPEG track (see [`content`]): same sizes,
//! same offsets, the edits carried as patch pieces inside `mdat`.
//!
//! **Every kept byte is examined** — the allow-list, per box:
//!
//! | where | kept (to its declared fields; bytes after are dropped, or zeroed in a `moof`) | otherwise |
//! |---|---|---|
//! | top level | `ftyp`/`styp` (brands checked), `sidx` (reserved zeroed), `moov`, `moof`, `mdat` | dropped (blanked between fragments) |
//! | `moov` | `mvhd`, `trak`, `mvex` (`trex`, `mehd`) | dropped: `udta`, `meta`, `iods`, `pssh`, unknown |
//! | `trak` | `tkhd`, `tref` (known types, pointing at kept tracks), `edts` (`elst` only), `tapt` (`clef`/`prof`/`enof`), `mdia` | dropped: `load`, `imap`, `txas`, `clip`, `matt`, unknown |
//! | `mdia` | `mdhd`, `hdlr` (name zeroed), `elng` (a language tag only), `minf` | dropped |
//! | `minf` | `vmhd`/`smhd`/`hmhd`/`nmhd`/`sthd`, `gmhd` (`gmin` only), `hdlr`, `dinf` (self-contained `dref` entries only, else refused), `stbl` | dropped |
//! | `stbl` | `stsd`; `stts`, `ctts`, `stss`, `stps`, `stsh`, `stsc`, `stsz`, `stz2`, `cslg`, `sdtp`, `subs`, `saiz` cut to their entries; `stco`/`co64`/`saio` rebuilt from their entries; `sgpd`/`sbgp` of `roll`, `prol`, `rap `, `sync`, `sap `, `tele` | dropped: other groupings, `padb`, `stdp`, `csgp`, unknown |
//! | visual sample entry | fixed fields (encoder, quality, name zeroed); `avcC` (parameter sets only), `hvcC` (VPS/SPS/PPS arrays only), `vvcC`, `av1C`, `vpcC`, Dolby Vision, `esds`, `d263`, `glbl`, `SMI `, `btrt`, `pasp`, `clap`, `fiel`, `gama`, `mdcv`, `clli`, `cclv`, `amve`, `CoLL`, `SmDm`, `st3d`, `mjqt`, `mjht`, `ccst`; `colr` (`nclx`/`nclc`, ICC neutralised) | dropped: XMP, `uuid`, `sv3d`, unknown, bytes after the last box |
//! | audio sample entry | fixed fields (vendor zeroed); `esds`, `dac3`, `dec3`, `dac4`, `dOps`, `dfLa`, `alac`, `chan`, `chnl`, `srat`, `damr`, `dmlp`, `btrt`, 3GPP and DTS/MPEG-H configurations; `wave` (`frma`, `enda`, `esds`, `alac`, `mp4a`, `chan`, terminator) | dropped |
//! | `tx3g` entry of a subtitle track kept on request | fixed fields, `ftab` | dropped |
//! | `moof` / `traf` | `mfhd`; `tfhd`, `tfdt`, `trun` (slack zeroed), `sgpd`/`sbgp` of known groupings, `subs`, `saiz`, `saio`, `sdtp` | blanked (`free` of zeroes): `pssh`, `senc`, `uuid`, metadata, unknown; a whole `traf` of a removed track or of a track `moov` does not declare, its samples zeroed |
//!
//! Codec configurations are copied as their codec defines them (only
//! `avcC` and `hvcC` are walked). A track is judged by every one of its
//! sample entries, not its handler: telemetry or text under a `soun` or
//! `vide` handler goes like any other, and so does a media track with an
//! entry this cleaner does not know. The samples of removed tracks whose
//! format has a shape (`tx3g`, `text`, `gpmd`, `camm`, `mebx`, `tmcd`) are
//! each checked before they are zeroed: a table pointing at other bytes
//! refuses the file rather than leaving the real samples behind.
//!
//! **Kept**: display matrices (rotation), edit lists, codec configuration
//! and colour boxes inside sample entries, sample tables.
//!
//! **Subtitles** ([`Policy::keep_subtitles`](crate::policy::Policy::keep_subtitles)): a text track is kept only
//! when its first chunks (up to 16, 4 KiB each, read by range) could be read
//! and none looks like positions: no `GPS`/`latitude`/`longitude`/`lat:`/
//! `altitude`/`home(` words and fewer than two numbers with four or more
//! decimals (drone and dashcam subtitle telemetry such as
//! `GPS (24.7536, 59.4370, 19)`). Text that could not be inspected (samples
//! only in movie fragments) is removed. Removed text tracks contribute their
//! first lines as needles for the raw-byte leak scan.
//!
//! **Offsets**: when `moov` comes first (faststart) it shrinks, and the
//! boxes that go are dropped: every `stco`/`co64` entry (and `saio`, and
//! absolute `tfhd` base offsets) is mapped to its new position. When `moov`
//! comes after the media data, nothing moves: removed boxes become `free`
//! boxes of zeroes of the same size and the new `moov` is padded back to its
//! old size, so the plan can be applied in place.
//! In fragmented files, boxes between fragments are blanked in place (a
//! `free` box of zeroes of the same size) rather than dropped, so that
//! offsets relative to a `moof` keep pointing at the same bytes.
//!
//! # Layout of this module
//!
//! | file | concern |
//! |---|---|
//! | `mod.rs` | the [`Mp4`] planner, its steps in order (`plan_with`) |
//! | [`top`] | top-level boxes: the fate of each, `moov`, trailers |
//! | [`moov`] | the `moov` rewrite: tracks kept or removed, fields zeroed |
//! | [`samples`] | where samples lie: `stsz`/`stz2`/`stsc`/`stco`/`co64`, `tfhd`/`trun` |
//! | [`layout`] | output positions, the offset map, the plan (`free` padding, zeroed holes, frame patches) |
//! | [`fragments`] | `moof`s rewritten in place at the same size |
//! | [`gaps`] | `mdat` bytes no track refers to, and the zero checks |
//! | [`describe`] | removed metadata boxes as findings (`udta`, `meta`/`ilst`, `uuid`) |
//! | [`content`] | what samples hold: Motion JPEG frames blanked in place, removed samples checked |
//!
//! Section numbers in the module docs refer to ISO/IEC 14496-12 (ISO base
//! media file format).

mod content;
mod describe;
mod fragments;
mod gaps;
mod layout;
mod moov;
mod samples;
mod top;

use crate::error::{Error, Result};
use crate::formats::jpeg::frames::Edit;
use crate::formats::Planner;
use crate::plan::Plan;
use crate::scan::Scan;
use fragments::FragmentContext;
use moov::{MoovOutcome, MoovRewriter};
use samples::{coalesce, overlaps, Range};
use top::{scan_top_level, Action, Moov, TopBox, TopLevel};

/// Structure name of errors about the file as a whole.
const STRUCTURE_FILE: &str = "MP4 file";

/// The ISO-BMFF / QuickTime planner.
pub(crate) struct Mp4;

impl Planner for Mp4 {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        plan_with(scan)
    }
}

/// Plan the cleaning of an ISO-BMFF / QuickTime file: scan the top level,
/// size the new `moov`, lay the output out, rewrite `moov` with the offset
/// map, rewrite the fragments, check what is zeroed, emit the plan.
fn plan_with(scan: &mut Scan<'_>) -> Result<Plan> {
    let limits = scan.limits.mp4;
    let TopLevel { mut boxes, moov } = scan_top_level(scan)?;
    let moov = moov.ok_or_else(|| {
        Error::malformed(
            STRUCTURE_FILE,
            0,
            "no 'moov' box (movie header): nothing can be played",
        )
    })?;
    let new_moov_len = size_moov(scan, &moov)?;
    let moov_padding = layout::lay_out(&mut boxes, &moov, new_moov_len, &limits);
    let map = |offset: u64| layout::map_offset(&boxes, offset);
    let MoovOutcome {
        bytes: moov_bytes,
        mut removed,
        mut zero_ranges,
        mut kept_ranges,
        kept_ranges_exact,
        trex,
        kept,
        mjpeg,
        mut frames,
    } = rewrite_moov(scan, &moov, &map, new_moov_len)?;
    drop(moov);
    let moofs = FragmentContext {
        scan,
        removed: &mut removed,
        trex: &trex,
        zero_ranges: &mut zero_ranges,
        kept_ranges: &mut kept_ranges,
        kept_tracks: &kept,
        mjpeg: &mjpeg,
        frames: &mut frames,
        map: &map,
    }
    .rewrite_all(&boxes)?;
    for (index, rewritten) in moofs {
        if let Some(item) = boxes.get_mut(index) {
            item.action = Action::Moof(rewritten);
        }
    }
    coalesce(&mut zero_ranges);
    coalesce(&mut kept_ranges);
    // Bytes of `mdat` no sample refers to are zeroed whenever the kept
    // samples are known exactly: from the `moov` tables and, in fragmented
    // files, from every `trun`.
    if kept_ranges_exact {
        gaps::zero_unreferenced(scan, &boxes, &kept_ranges, &mut zero_ranges)?;
    }
    check_zeroing(&zero_ranges, &kept_ranges, scan)?;
    for (track_id, track) in &removed {
        scan.report(track.finding(*track_id));
    }
    let patches = frames.finish(scan)?;
    check_patches(&boxes, &patches, &zero_ranges)?;
    scan.ensure_findings_room(0)?;
    Ok(layout::emit(
        &boxes,
        &moov_bytes,
        moov_padding,
        &zero_ranges,
        &patches,
        &limits,
    ))
}

/// The size of the rewritten `moov`: a first rewrite with offsets left as
/// they are (their values do not change the size), whose findings are
/// discarded.
fn size_moov(scan: &Scan<'_>, moov: &Moov) -> Result<u64> {
    let mut sizing = Scan::new(scan.src, scan.policy, scan.limits);
    let identity = |offset: u64| Some(offset);
    let sized = MoovRewriter::new(&mut sizing, &identity)
        .sizing_only()
        .rewrite(&moov.body, moov.header.body_start())?;
    Ok(sized.bytes.len() as u64)
}

/// The real `moov`, chunk offsets mapped; it must have the size the layout
/// was made for.
fn rewrite_moov(
    scan: &mut Scan<'_>,
    moov: &Moov,
    map: &layout::OffsetMap<'_>,
    expected_len: u64,
) -> Result<MoovOutcome> {
    let outcome = MoovRewriter::new(scan, map).rewrite(&moov.body, moov.header.body_start())?;
    if outcome.bytes.len() as u64 != expected_len {
        return Err(Error::malformed(
            "MP4 moov",
            moov.header.start,
            "rewritten size changed between passes",
        ));
    }
    Ok(outcome)
}

/// Every in-place edit of a Motion JPEG frame must fall inside an `mdat`
/// copied to the output (a frame table pointing into `moov` or a `moof`
/// would have its edits lost) and outside what is zeroed.
fn check_patches(boxes: &[TopBox], patches: &[Edit], zero_ranges: &[Range]) -> Result<()> {
    let mut ranges = Vec::with_capacity(patches.len());
    for (offset, head, zeros) in patches {
        let end = offset
            .saturating_add(head.len() as u64)
            .saturating_add(*zeros);
        let index = boxes.partition_point(|t| t.header.start <= *offset);
        let inside = index
            .checked_sub(1)
            .and_then(|i| boxes.get(i))
            .is_some_and(|t| {
                t.header.kind == *b"mdat"
                    && matches!(t.action, Action::Copy)
                    && *offset >= t.header.body_start()
                    && end <= t.header.end()
            });
        if !inside {
            return Err(Error::malformed(
                "MP4 sample table",
                *offset,
                "a Motion JPEG frame lies outside the media data",
            ));
        }
        ranges.push(Range {
            offset: *offset,
            len: end - offset,
        });
    }
    coalesce(&mut ranges);
    if overlaps(&ranges, zero_ranges) {
        return Err(Error::Unsupported(
            "a removed track shares sample bytes with a Motion JPEG frame".to_string(),
        ));
    }
    Ok(())
}

/// Refuse zeroing that would damage kept media or exceed the limits.
fn check_zeroing(zero_ranges: &[Range], kept_ranges: &[Range], scan: &Scan<'_>) -> Result<()> {
    let limits = &scan.limits.mp4;
    if overlaps(zero_ranges, kept_ranges) {
        return Err(Error::Unsupported(
            "a removed track shares sample bytes with a kept track; zeroing them would damage the media"
                .to_string(),
        ));
    }
    if zero_ranges.len() > limits.max_zero_ranges {
        return Err(Error::Limit {
            what: "separate ranges of media data zeroed",
            offset: zero_ranges.first().map_or(0, |r| r.offset),
            limit: limits.max_zero_ranges as u64,
        });
    }
    let zeroed: u64 = zero_ranges.iter().map(|r| r.len).sum();
    if zeroed > limits.max_zeroed {
        return Err(Error::Limit {
            what: "sample bytes of removed tracks",
            offset: 0,
            limit: limits.max_zeroed,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
