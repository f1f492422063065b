//! HEIF / HEIC / AVIF still images (ISO/IEC 23008-12 on ISO/IEC 14496-12
//! boxes): keep the primary item and what it needs to be shown, nothing
//! else.
//!
//! The file is `ftyp`, one `meta` (the item directory) and `mdat`s (item
//! data). Kept: the primary item (`pitm`), the inputs of derived images
//! (`dimg`: grid tiles, overlay inputs, `iden`), recursively, and an
//! `auxl` alpha plane of a kept item; their `infe` entries (names
//! emptied), `iloc` entries, `dimg`/`auxl`/`prem` references and
//! properties (see [`props`]). Removed: Exif and XMP items (described),
//! other MIME and URI items (C2PA), thumbnails, depth maps, gain maps and
//! every other item; `grpl`, `uuid`, `free`, Samsung `mpvd` motion-photo
//! boxes, any other top-level box, and everything from a second `ftyp`
//! (an appended MP4: Google motion photos) or an unreadable box header
//! to the end of the file. Exif orientation is not carried over: HEIF
//! orientation is `irot`/`imir`, which are kept.
//!
//! Layout: `ftyp` is copied, `meta` is rebuilt in memory, every `mdat`
//! that holds kept item data is copied up to the end of the last kept
//! extent in it with every byte no kept extent covers zeroed (removed
//! items' data, gaps); an `mdat` with no kept data is dropped. Bytes inside
//! an `mdat` keep their position relative to it, so each kept `iloc`
//! offset moves by the shift of its `mdat` (the change in size of what
//! precedes it); `idat` keeps its layout too (removed items' bytes zeroed).
//! A kept extent sharing bytes with a removed one, extents outside every
//! `mdat`, construction method 2, external data references, protected
//! items and image sequences (`moov`) are refused.

mod meta;
mod props;

use std::collections::{BTreeMap, BTreeSet};

use crate::container::isobmff::{fourcc_name, read_body, read_header, BoxHeader, Children, FourCc};
use crate::error::{Error, Malformation, Result};
use crate::finding::{human_size, Category, Finding};
use crate::formats::Planner;
use crate::io::SourceExt;
use crate::limits::HeifLimits;
use crate::metadata::{exif, xmp};
use crate::plan::Plan;
use crate::scan::Scan;

use meta::{Association, Extent, Iloc, Infe, Location, Reference};
use props::Verdict;

/// Structure name in errors.
const STRUCTURE: &str = "HEIF box";

/// The XMP `uuid` (as in MP4 and JPEG 2000).
const XMP_UUID: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];
/// The C2PA manifest `uuid`.
const C2PA_UUID: [u8; 16] = [
    0xD8, 0xFE, 0xC3, 0xD6, 0x1B, 0x0E, 0x48, 0x3C, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7E, 0xC4, 0x81,
];

/// Item types that are coded or derived images this tool keeps.
const IMAGE_TYPES: &[&FourCc] = &[b"hvc1", b"av01", b"grid", b"iovl", b"iden"];

/// The HEIF planner.
pub(crate) struct Heif;

impl Planner for Heif {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let limits = scan.limits.heif;
        let top = walk_top(scan, &limits)?;
        let meta_header = top
            .meta
            .ok_or_else(|| Error::malformed(STRUCTURE, 0, "no 'meta' box"))?;
        scan.charge(meta_header.body_len(), meta_header.start, "HEIF meta")?;
        let body = read_body(scan.src, &meta_header, limits.max_meta, "HEIF meta")?;
        let parsed = parse_meta(scan, &limits, &body, meta_header.body_start())?;
        let mut cleaner = Cleaner {
            scan,
            limits,
            meta: parsed,
            kept: BTreeSet::new(),
        };
        cleaner.choose_items()?;
        cleaner.report_removed_items()?;
        cleaner.assemble(&top, &meta_header)
    }
}

/// The top-level boxes that stay.
#[derive(Debug, Default)]
struct Top {
    ftyp: Option<BoxHeader>,
    meta: Option<BoxHeader>,
    mdats: Vec<BoxHeader>,
}

fn walk_top(scan: &mut Scan<'_>, limits: &HeifLimits) -> Result<Top> {
    let src = scan.src;
    let len = src.len();
    let mut top = Top::default();
    let mut pos = 0u64;
    while pos < len {
        scan.enter(pos, limits.max_top_level, "number of HEIF top-level boxes")?;
        let header = match read_header(src, pos, len) {
            Ok(header) => header,
            Err(err) if top.meta.is_some() && top.ftyp.is_some() => {
                trailer(scan, pos, &format!("unreadable box header ({err})"))?;
                break;
            }
            Err(err) => return Err(err),
        };
        let kind = header.kind;
        if top.ftyp.is_none() && kind != *b"ftyp" {
            return Err(Error::malformed(
                STRUCTURE,
                pos,
                format!("the first box is '{}', not ftyp", fourcc_name(&kind)),
            ));
        }
        match &kind {
            b"ftyp" if top.ftyp.is_some() => {
                trailer(scan, pos, "a second ftyp (appended MP4 video)")?;
                break;
            }
            b"ftyp" => {
                check_ftyp(scan, &header)?;
                top.ftyp = Some(header);
            }
            b"meta" if top.meta.is_some() => {
                return Err(Error::malformed(STRUCTURE, pos, "a second 'meta' box"));
            }
            b"meta" => top.meta = Some(header),
            b"mdat" => top.mdats.push(header),
            b"moov" => {
                return Err(Error::Unsupported(
                    "HEIF image sequences and files with a 'moov' track are not supported yet"
                        .into(),
                ))
            }
            _ => report_top_box(scan, limits, &header)?,
        }
        pos = header.end();
    }
    Ok(top)
}

/// `ftyp`: brands only (kept as they are); CR3 is refused here.
fn check_ftyp(scan: &mut Scan<'_>, header: &BoxHeader) -> Result<()> {
    let body = read_body(scan.src, header, 4096, "HEIF ftyp")?;
    if body.len() < 8 || body.len() % 4 != 0 {
        return Err(Error::malformed(
            "HEIF ftyp",
            header.start,
            format!("{} bytes is not a list of brands", body.len()),
        ));
    }
    if body.chunks_exact(4).any(|b| b == b"crx ") {
        return Err(Error::Unsupported(
            "Canon CR3 raw is not supported yet".into(),
        ));
    }
    Ok(())
}

/// Report a removed top-level box.
fn report_top_box(scan: &mut Scan<'_>, limits: &HeifLimits, header: &BoxHeader) -> Result<()> {
    let place = fourcc_name(&header.kind);
    let size = human_size(header.size);
    let finding = match &header.kind {
        b"free" | b"skip" | b"wide" => {
            Finding::removed(Category::Other, "Padding box", place, size)
        }
        b"mpvd" => Finding::removed(Category::Embedded, "Motion photo video", place, size),
        b"jumb" | b"c2pa" => Finding::removed(Category::Provenance, "C2PA manifest", place, size),
        b"uuid" => {
            let id: [u8; 16] = scan.src.read_array(header.body_start(), "HEIF uuid")?;
            if id == XMP_UUID {
                let len = header
                    .body_len()
                    .saturating_sub(16)
                    .min(limits.max_describe);
                let packet =
                    scan.read_value(header.body_start() + 16, len, "HEIF XMP", "HEIF uuid")?;
                scan.report_all(xmp::describe(&packet, "uuid/XMP"));
                return Ok(());
            }
            if id == C2PA_UUID {
                Finding::removed(Category::Provenance, "C2PA manifest", "uuid", size)
            } else {
                let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
                Finding::removed(Category::Other, "Vendor box", format!("uuid {hex}"), size)
            }
        }
        _ => Finding::removed(Category::Other, "Unknown box", place, size),
    };
    scan.report(finding);
    Ok(())
}

/// Everything from `start` to the end of the file goes.
fn trailer(scan: &mut Scan<'_>, start: u64, what: &str) -> Result<()> {
    let len = scan.src.len().saturating_sub(start);
    scan.report(Finding::removed(
        Category::Embedded,
        "Trailer",
        format!("after the last box, at offset {start}"),
        format!("{what}, {}", human_size(len)),
    ));
    Ok(())
}

/// What `meta` holds.
#[derive(Debug, Default)]
struct Meta {
    /// Child box types in file order (each written at most once).
    order: Vec<FourCc>,
    primary: Option<u32>,
    items: BTreeMap<u32, Infe>,
    iloc: Option<Iloc>,
    locations: BTreeMap<u32, Location>,
    refs: Vec<Reference>,
    /// `ipco` children: type, body, file offset of the box.
    properties: Vec<(FourCc, Vec<u8>, u64)>,
    associations: BTreeMap<u32, Vec<Association>>,
    /// `idat` body and its file offset.
    idat: Option<(Vec<u8>, u64)>,
    /// Whether `dinf` was there.
    dinf: bool,
}

fn parse_meta(scan: &mut Scan<'_>, limits: &HeifLimits, body: &[u8], at: u64) -> Result<Meta> {
    if body.get(..4) != Some(&[0, 0, 0, 0]) {
        return Err(Error::malformed(
            "HEIF meta",
            at,
            "version or flags not zero",
        ));
    }
    let mut meta = Meta::default();
    let mut handler = false;
    let mut references = 0u64;
    for child in Children::new(body.get(4..).unwrap_or_default(), at + 4) {
        let child = child?;
        let kind = child.kind();
        let start = child.header.start;
        scan.enter(start, limits.max_boxes, "number of HEIF boxes")?;
        let once = |meta: &Meta| -> Result<()> {
            if meta.order.contains(&kind) {
                return Err(Error::malformed(
                    "HEIF meta",
                    start,
                    format!("a second '{}' box", fourcc_name(&kind)),
                ));
            }
            Ok(())
        };
        match &kind {
            b"hdlr" => {
                once(&meta)?;
                hdlr(scan, child.body, start)?;
                handler = true;
            }
            b"pitm" => {
                once(&meta)?;
                let mut r = crate::io::cursor::Reader::new(child.body, start, "HEIF pitm");
                let (version, _) = r.full_box()?;
                let id = if version == 0 {
                    u32::from(r.u16()?)
                } else {
                    r.u32()?
                };
                if r.remaining() != 0 {
                    return Err(Error::malformed("HEIF pitm", start, "trailing bytes"));
                }
                meta.primary = Some(id);
            }
            b"iinf" => {
                once(&meta)?;
                for infe in meta::parse_iinf(child.body, child.header.body_start(), limits)? {
                    scan.enter(infe.at, limits.max_boxes, "number of HEIF boxes")?;
                    if infe.version < 2 {
                        report_old_infe(scan, &infe);
                        continue;
                    }
                    if meta.items.insert(infe.id, infe.clone()).is_some() {
                        return Err(Error::malformed(
                            "HEIF iinf",
                            infe.at,
                            format!("item {} is declared twice", infe.id),
                        ));
                    }
                }
            }
            b"iloc" => {
                once(&meta)?;
                let iloc = Iloc::parse(child.body, child.header.body_start(), limits)?;
                for entry in &iloc.entries {
                    if meta.locations.insert(entry.id, entry.clone()).is_some() {
                        return Err(Error::malformed(
                            "HEIF iloc",
                            start,
                            format!("item {} is located twice", entry.id),
                        ));
                    }
                }
                meta.iloc = Some(iloc);
            }
            b"iref" => {
                once(&meta)?;
                let (_, refs) = meta::parse_iref(
                    child.body,
                    child.header.body_start(),
                    limits,
                    &mut references,
                )?;
                meta.refs = refs;
            }
            b"iprp" => {
                once(&meta)?;
                iprp(
                    scan,
                    limits,
                    &mut meta,
                    child.body,
                    child.header.body_start(),
                )?;
            }
            b"idat" => {
                once(&meta)?;
                meta.idat = Some((child.body.to_vec(), child.header.body_start()));
            }
            b"dinf" => {
                once(&meta)?;
                dinf(child.body, child.header.body_start())?;
                meta.dinf = true;
            }
            b"grpl" => scan.report(Finding::removed(
                Category::Other,
                "Entity groups",
                "meta/grpl",
                human_size(child.header.size),
            )),
            b"ipmc" | b"ipro" => {
                return Err(Error::Unsupported(
                    "protected (encrypted) HEIF items are not supported".into(),
                ))
            }
            b"uuid" => scan.report(Finding::removed(
                Category::Other,
                "Vendor box",
                "meta/uuid",
                human_size(child.header.size),
            )),
            _ => scan.report(Finding::removed(
                Category::Other,
                "Unknown box",
                format!("meta/{}", fourcc_name(&kind)),
                human_size(child.header.size),
            )),
        }
        meta.order.push(kind);
    }
    if !handler {
        return Err(Error::malformed("HEIF meta", at, "no 'hdlr' box"));
    }
    Ok(meta)
}

/// `hdlr` must say `pict`; its name is software: reported, not kept.
fn hdlr(scan: &mut Scan<'_>, body: &[u8], at: u64) -> Result<()> {
    let handler = body
        .get(8..12)
        .ok_or_else(|| Error::truncated("HEIF hdlr", at, "shorter than its fields"))?;
    if handler != b"pict" {
        return Err(Error::Unsupported(format!(
            "HEIF meta handler '{}' (only 'pict' images are cleaned)",
            fourcc_name(&<FourCc>::try_from(handler).unwrap_or_default())
        )));
    }
    let name = body.get(24..).unwrap_or_default();
    let name = name.split(|b| *b == 0).next().unwrap_or_default();
    if !name.is_empty() {
        let text = String::from_utf8_lossy(name);
        scan.report(
            Finding::removed(Category::Software, "Handler name", "meta/hdlr", &text)
                .with_needle(name),
        );
    }
    Ok(())
}

/// The canonical `hdlr` written: handler `pict`, empty name.
fn write_hdlr(out: &mut Vec<u8>) {
    let mut body = vec![0u8; 8];
    body.extend_from_slice(b"pict");
    body.extend_from_slice(&[0; 13]);
    crate::container::isobmff::write_box(out, b"hdlr", &body);
}

/// `dinf`: only self-contained data references are accepted.
fn dinf(body: &[u8], at: u64) -> Result<()> {
    for child in Children::new(body, at) {
        let child = child?;
        if child.kind() != *b"dref" {
            continue;
        }
        let entries = child.body.get(8..).unwrap_or_default();
        for entry in Children::new(entries, child.header.body_start() + 8) {
            let entry = entry?;
            let self_contained = entry.body.get(3).is_some_and(|f| f & 1 != 0);
            if !self_contained {
                return Err(Error::Unsupported(
                    "HEIF items whose data is in another file (data references)".into(),
                ));
            }
        }
    }
    Ok(())
}

/// The canonical `dinf`: one self-contained `url ` entry.
fn write_dinf(out: &mut Vec<u8>) {
    let mut url = Vec::new();
    crate::container::isobmff::write_box(&mut url, b"url ", &[0, 0, 0, 1]);
    let mut dref = vec![0, 0, 0, 0, 0, 0, 0, 1];
    dref.extend_from_slice(&url);
    let mut boxed = Vec::new();
    crate::container::isobmff::write_box(&mut boxed, b"dref", &dref);
    crate::container::isobmff::write_box(out, b"dinf", &boxed);
}

fn report_old_infe(scan: &mut Scan<'_>, infe: &Infe) {
    scan.report(Finding::removed(
        Category::Other,
        "Item (old-style entry)",
        "meta/iinf",
        String::from_utf8_lossy(&infe.content_type),
    ));
}

fn iprp(
    scan: &mut Scan<'_>,
    limits: &HeifLimits,
    meta: &mut Meta,
    body: &[u8],
    at: u64,
) -> Result<()> {
    let mut seen_ipco = false;
    for child in Children::new(body, at) {
        let child = child?;
        scan.enter(child.header.start, limits.max_boxes, "number of HEIF boxes")?;
        match &child.kind() {
            b"ipco" if !seen_ipco => {
                seen_ipco = true;
                for prop in Children::new(child.body, child.header.body_start()) {
                    let prop = prop?;
                    scan.enter(prop.header.start, limits.max_boxes, "number of HEIF boxes")?;
                    if meta.properties.len() as u64 >= limits.max_properties {
                        return Err(Error::Limit {
                            what: "number of HEIF properties",
                            offset: prop.header.start,
                            limit: limits.max_properties,
                        });
                    }
                    meta.properties
                        .push((prop.kind(), prop.body.to_vec(), prop.header.start));
                }
            }
            b"ipma" => {
                for (id, list) in meta::parse_ipma(child.body, child.header.body_start(), limits)? {
                    let entry = meta.associations.entry(id).or_default();
                    if !entry.is_empty() {
                        return Err(Error::malformed(
                            "HEIF ipma",
                            child.header.start,
                            format!("item {id} has two association lists"),
                        ));
                    }
                    *entry = list;
                }
            }
            other => {
                return Err(Error::malformed(
                    "HEIF iprp",
                    child.header.start,
                    format!("unexpected '{}' box", fourcc_name(other)),
                ))
            }
        }
    }
    Ok(())
}

/// Property associations per item, as written in `ipma`.
type Associations = Vec<(u32, Vec<Association>)>;

struct Cleaner<'s, 'a> {
    scan: &'s mut Scan<'a>,
    limits: HeifLimits,
    meta: Meta,
    kept: BTreeSet<u32>,
}

impl Cleaner<'_, '_> {
    /// The auxiliary type of `id`, from its `auxC` property.
    fn aux_type(&self, id: u32) -> Option<Vec<u8>> {
        self.meta.associations.get(&id)?.iter().find_map(|a| {
            let (kind, body, _) = self
                .meta
                .properties
                .get(usize::from(a.index).checked_sub(1)?)?;
            if kind == b"auxC" {
                props::aux_type(body).map(<[u8]>::to_vec)
            } else {
                None
            }
        })
    }

    /// The primary item, the inputs of kept derived images, and alpha
    /// planes of kept images.
    fn choose_items(&mut self) -> Result<()> {
        let primary = self
            .meta
            .primary
            .ok_or_else(|| Error::malformed("HEIF meta", 0, "no primary item ('pitm')"))?;
        let mut stack = vec![primary];
        loop {
            while let Some(id) = stack.pop() {
                if !self.kept.insert(id) {
                    continue;
                }
                let item = self.meta.items.get(&id).ok_or_else(|| {
                    Error::malformed(
                        "HEIF meta",
                        0,
                        format!("item {id} is needed but not declared"),
                    )
                })?;
                if !IMAGE_TYPES.contains(&&item.kind) {
                    return Err(Error::Unsupported(format!(
                        "HEIF image item of type '{}' (item {id})",
                        fourcc_name(&item.kind)
                    )));
                }
                for r in &self.meta.refs {
                    if r.kind == *b"dimg" && r.from == id {
                        stack.extend(r.to.iter().copied());
                    }
                }
            }
            // Alpha planes of kept images.
            for r in &self.meta.refs {
                if r.kind == *b"auxl"
                    && !self.kept.contains(&r.from)
                    && r.to.iter().any(|t| self.kept.contains(t))
                    && self.aux_type(r.from).is_some_and(|a| props::is_alpha(&a))
                {
                    stack.push(r.from);
                }
            }
            if stack.is_empty() {
                break;
            }
        }
        self.check_dimg_loops()
    }

    /// Refuse derivation loops among kept items (Kahn's algorithm).
    fn check_dimg_loops(&self) -> Result<()> {
        let mut indegree: BTreeMap<u32, usize> = self.kept.iter().map(|id| (*id, 0)).collect();
        let edges: Vec<(u32, u32)> = self
            .meta
            .refs
            .iter()
            .filter(|r| r.kind == *b"dimg" && self.kept.contains(&r.from))
            .flat_map(|r| r.to.iter().map(move |t| (r.from, *t)))
            .collect();
        for (_, to) in &edges {
            if let Some(d) = indegree.get_mut(to) {
                *d += 1;
            }
        }
        let mut ready: Vec<u32> = indegree
            .iter()
            .filter(|(_, d)| **d == 0)
            .map(|(id, _)| *id)
            .collect();
        let mut done = 0usize;
        while let Some(id) = ready.pop() {
            done += 1;
            for (from, to) in &edges {
                if *from == id {
                    if let Some(d) = indegree.get_mut(to) {
                        *d = d.saturating_sub(1);
                        if *d == 0 {
                            ready.push(*to);
                        }
                    }
                }
            }
        }
        if done != self.kept.len() {
            return Err(Error::malformed_as(
                Malformation::Loop,
                "HEIF iref",
                0,
                "derived images refer to each other in a loop",
            ));
        }
        Ok(())
    }

    /// Read the first bytes of a removed item's data, for describing it.
    fn item_data(&mut self, id: u32) -> Result<Vec<u8>> {
        let Some(loc) = self.meta.locations.get(&id).cloned() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for extent in &loc.extents {
            let room = self.limits.max_describe.saturating_sub(out.len() as u64);
            if room == 0 {
                break;
            }
            let start = loc.base.checked_add(extent.offset).ok_or_else(|| {
                Error::overrun("HEIF iloc", 0, format!("item {id}: offset overflows"))
            })?;
            let len = extent.len.min(room);
            match loc.method {
                0 => {
                    self.scan.charge(len, start, "HEIF item data read")?;
                    out.extend(self.scan.src.read_vec(start, len, room, "HEIF item data")?);
                }
                1 => {
                    let idat = self
                        .meta
                        .idat
                        .as_ref()
                        .map(|(d, _)| d.as_slice())
                        .unwrap_or_default();
                    let bytes = usize::try_from(start)
                        .ok()
                        .zip(usize::try_from(len).ok())
                        .and_then(|(s, l)| idat.get(s..s.checked_add(l)?))
                        .ok_or_else(|| {
                            Error::overrun("HEIF idat", 0, format!("item {id} runs past idat"))
                        })?;
                    out.extend_from_slice(bytes);
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Describe every item that goes.
    fn report_removed_items(&mut self) -> Result<()> {
        let removed: Vec<Infe> = self
            .meta
            .items
            .values()
            .filter(|i| !self.kept.contains(&i.id))
            .cloned()
            .collect();
        // Tiles of removed derived images are not reported one by one.
        let tiles: BTreeSet<u32> = self
            .meta
            .refs
            .iter()
            .filter(|r| r.kind == *b"dimg" && !self.kept.contains(&r.from))
            .flat_map(|r| r.to.iter().copied())
            .collect();
        for item in removed {
            self.scan.ensure_findings_room(item.at)?;
            let place = format!("meta/item {} ({})", item.id, fourcc_name(&item.kind));
            let size: u64 = self
                .meta
                .locations
                .get(&item.id)
                .map(|l| {
                    l.extents
                        .iter()
                        .map(|e| e.len)
                        .fold(0u64, u64::saturating_add)
                })
                .unwrap_or(0);
            let reference = |kind: &FourCc| {
                self.meta
                    .refs
                    .iter()
                    .any(|r| r.kind == *kind && r.from == item.id)
            };
            if !item.name.is_empty() {
                let name = String::from_utf8_lossy(&item.name).into_owned();
                self.scan.report(
                    Finding::removed(Category::Other, "Item name", place.clone(), &name)
                        .with_needle(&item.name),
                );
            }
            match &item.kind {
                b"Exif" => {
                    let data = self.item_data(item.id)?;
                    let skip = data.get(..4).map(crate::io::cursor::be_uint).unwrap_or(0);
                    let tiff = usize::try_from(skip)
                        .ok()
                        .and_then(|s| data.get(4usize.checked_add(s)?..))
                        .unwrap_or_default();
                    let tiff = tiff.strip_prefix(b"Exif\0\0").unwrap_or(tiff);
                    let summary = exif::describe(tiff, &place);
                    self.scan.report_all(summary.findings);
                }
                b"mime" => {
                    let content = item.content_type.to_ascii_lowercase();
                    if content.windows(3).any(|w| w == b"xml") {
                        let data = self.item_data(item.id)?;
                        let mark = self.scan.mark();
                        self.scan.report_all(xmp::describe(&data, &place));
                        self.scan.report_if_none_since(mark, || {
                            Finding::removed(
                                Category::Other,
                                "XMP packet",
                                place.clone(),
                                human_size(size),
                            )
                        });
                    } else if content.windows(4).any(|w| w == b"c2pa") {
                        self.scan.report(Finding::removed(
                            Category::Provenance,
                            "C2PA manifest",
                            place,
                            human_size(size),
                        ));
                    } else {
                        self.scan.report(Finding::removed(
                            Category::Other,
                            "Embedded data",
                            place,
                            format!(
                                "{}, {}",
                                String::from_utf8_lossy(&item.content_type),
                                human_size(size)
                            ),
                        ));
                    }
                }
                _ if reference(b"thmb") => self.scan.report(Finding::removed(
                    Category::Embedded,
                    "Thumbnail image",
                    place,
                    human_size(size),
                )),
                _ if reference(b"auxl") => {
                    let aux = self.aux_type(item.id).unwrap_or_default();
                    let field = if aux.ends_with(b"auxid:2") || aux.ends_with(b"auxiliary:depth") {
                        "Depth map"
                    } else if aux.windows(7).any(|w| w == b"gainmap") {
                        "HDR gain map"
                    } else {
                        "Auxiliary image"
                    };
                    self.scan.report(Finding::removed(
                        Category::Embedded,
                        field,
                        place,
                        format!("{}, {}", String::from_utf8_lossy(&aux), human_size(size)),
                    ));
                }
                _ if tiles.contains(&item.id) => {}
                b"tmap" => self.scan.report(Finding::removed(
                    Category::Embedded,
                    "HDR gain map",
                    place,
                    human_size(size),
                )),
                kind if IMAGE_TYPES.contains(&kind) || kind == b"jpeg" => {
                    self.scan.report(Finding::removed(
                        Category::Embedded,
                        "Secondary image",
                        place,
                        human_size(size),
                    ))
                }
                _ => self.scan.report(Finding::removed(
                    Category::Other,
                    "Unknown item",
                    place,
                    human_size(size),
                )),
            }
        }
        Ok(())
    }

    /// Kept properties and associations: (new ipco children, new ipma).
    fn properties(&mut self) -> Result<(Vec<Vec<u8>>, Associations)> {
        // Judge each property used by a kept item once, in ipco order.
        let mut used: BTreeSet<u16> = BTreeSet::new();
        for id in &self.kept {
            for a in self.meta.associations.get(id).into_iter().flatten() {
                if a.index != 0 {
                    used.insert(a.index);
                }
            }
        }
        let mut verdicts: BTreeMap<u16, Verdict> = BTreeMap::new();
        let mut new_index: BTreeMap<u16, u16> = BTreeMap::new();
        let mut boxes = Vec::new();
        for index in used {
            let (kind, body, at) = self
                .meta
                .properties
                .get(usize::from(index) - 1)
                .cloned()
                .ok_or_else(|| {
                    Error::malformed("HEIF ipma", 0, format!("property {index} does not exist"))
                })?;
            let verdict = props::judge(self.scan, &kind, &body, at)?;
            if let Verdict::Keep(bytes) = &verdict {
                boxes.push(bytes.clone());
                new_index.insert(index, boxes.len() as u16);
            }
            verdicts.insert(index, verdict);
        }
        let mut ipma = Vec::new();
        for id in &self.kept {
            let mut list = Vec::new();
            for a in self.meta.associations.get(id).into_iter().flatten() {
                match verdicts.get(&a.index) {
                    Some(Verdict::Keep(_)) => list.push(Association {
                        index: new_index.get(&a.index).copied().unwrap_or(0),
                        essential: a.essential,
                    }),
                    Some(Verdict::Unknown) => {
                        let (kind, body, at) = self
                            .meta
                            .properties
                            .get(usize::from(a.index) - 1)
                            .cloned()
                            .unwrap_or_default();
                        if a.essential {
                            return Err(Error::Unsupported(format!(
                                "HEIF item {id} needs the property '{}' (offset {at}), which \
                                 this tool does not understand",
                                fourcc_name(&kind)
                            )));
                        }
                        self.scan.report(Finding::removed(
                            Category::Other,
                            "Unknown property",
                            format!("meta/iprp/{}", fourcc_name(&kind)),
                            human_size(body.len() as u64),
                        ));
                    }
                    _ => {}
                }
            }
            if !list.is_empty() {
                ipma.push((*id, list));
            }
        }
        Ok((boxes, ipma))
    }

    /// Build the output.
    fn assemble(mut self, top: &Top, meta_header: &BoxHeader) -> Result<Plan> {
        let (properties, ipma) = self.properties()?;
        let kept_locs: Vec<Location> = self
            .meta
            .locations
            .values()
            .filter(|l| self.kept.contains(&l.id))
            .cloned()
            .collect();
        for loc in self.meta.locations.values() {
            if loc.method > 1 {
                return Err(Error::Unsupported(format!(
                    "HEIF item {} built from other items (iloc construction method {})",
                    loc.id, loc.method
                )));
            }
            if loc.data_reference != 0 && !self.meta.dinf {
                return Err(Error::malformed(
                    "HEIF iloc",
                    meta_header.start,
                    format!("item {} refers to a missing data reference", loc.id),
                ));
            }
        }
        // Absolute ranges of kept and removed data, per construction method.
        let mut kept_ranges: [Vec<(u64, u64)>; 2] = [Vec::new(), Vec::new()];
        let mut removed_ranges: [Vec<(u64, u64)>; 2] = [Vec::new(), Vec::new()];
        for loc in self.meta.locations.values() {
            let kept = self.kept.contains(&loc.id);
            for extent in &loc.extents {
                let start = loc.base.checked_add(extent.offset);
                let end = start.and_then(|s| s.checked_add(extent.len));
                let (Some(start), Some(end)) = (start, end) else {
                    return Err(Error::overrun(
                        "HEIF iloc",
                        meta_header.start,
                        format!("item {}: extent offset overflows", loc.id),
                    ));
                };
                if extent.len == 0 {
                    return Err(Error::Unsupported(format!(
                        "HEIF item {} with an extent running to the end of the file",
                        loc.id
                    )));
                }
                let target = if kept {
                    &mut kept_ranges
                } else {
                    &mut removed_ranges
                };
                if let Some(list) = target.get_mut(usize::from(loc.method)) {
                    list.push((start, end));
                }
            }
        }
        let [mut file_sorted, mut idat_sorted] = kept_ranges;
        let file_kept = merge(file_sorted.clone());
        let idat_kept = merge(idat_sorted.clone());

        // Every kept file range must lie in one mdat body.
        let mut per_mdat: Vec<Vec<(u64, u64)>> = vec![Vec::new(); top.mdats.len()];
        for (start, end) in &file_kept {
            let slot = top
                .mdats
                .iter()
                .position(|m| m.body_start() <= *start && *end <= m.end())
                .ok_or_else(|| {
                    Error::malformed_as(
                        Malformation::Overrun,
                        "HEIF iloc",
                        *start,
                        "kept item data lies outside every mdat",
                    )
                })?;
            if let Some(list) = per_mdat.get_mut(slot) {
                list.push((*start, *end));
            }
        }

        for (kept, removed) in [&mut file_sorted, &mut idat_sorted]
            .into_iter()
            .zip(removed_ranges.iter_mut())
        {
            kept.sort_unstable();
            removed.sort_unstable();
            check_disjoint(kept, removed)?;
        }
        // The rebuilt meta, iloc aside; its length is known before the
        // offsets are.
        let idat = self.rebuilt_idat(&idat_kept)?;
        let iloc = self
            .meta
            .iloc
            .clone()
            .ok_or_else(|| Error::malformed("HEIF meta", meta_header.start, "no 'iloc' box"))?;
        let kept_items: Vec<Infe> = self
            .meta
            .items
            .values()
            .filter(|i| self.kept.contains(&i.id))
            .cloned()
            .collect();
        let refs: Vec<Reference> = self
            .meta
            .refs
            .iter()
            .filter(|r| {
                matches!(&r.kind, b"dimg" | b"auxl" | b"prem")
                    && self.kept.contains(&r.from)
                    && r.to.iter().all(|t| self.kept.contains(t))
            })
            .cloned()
            .collect();
        let iloc_len = iloc.written_len(&kept_locs);
        let mut parts: Vec<(FourCc, Vec<u8>)> = Vec::new();
        for kind in &self.meta.order {
            let mut out = Vec::new();
            match kind {
                b"hdlr" => write_hdlr(&mut out),
                b"dinf" => write_dinf(&mut out),
                b"pitm" => {
                    let primary = self.meta.primary.unwrap_or(0);
                    let mut body = Vec::new();
                    if primary > 0xFFFF {
                        body.extend_from_slice(&[1, 0, 0, 0]);
                        body.extend_from_slice(&primary.to_be_bytes());
                    } else {
                        body.extend_from_slice(&[0, 0, 0, 0]);
                        body.extend_from_slice(&(primary as u16).to_be_bytes());
                    }
                    crate::container::isobmff::write_box(&mut out, b"pitm", &body);
                }
                b"iinf" => {
                    let wide = kept_items.len() > 0xFFFF;
                    let mut body = vec![u8::from(wide), 0, 0, 0];
                    meta::put(
                        &mut body,
                        kept_items.len() as u64,
                        if wide { 4 } else { 2 },
                        0,
                    )?;
                    for item in &kept_items {
                        item.write(&mut body);
                    }
                    crate::container::isobmff::write_box(&mut out, b"iinf", &body);
                }
                b"iref" => meta::write_iref(&mut out, &refs)?,
                b"iprp" => {
                    let mut ipco = Vec::new();
                    for p in &properties {
                        ipco.extend_from_slice(p);
                    }
                    let mut body = Vec::new();
                    crate::container::isobmff::write_box(&mut body, b"ipco", &ipco);
                    meta::write_ipma(&mut body, &ipma)?;
                    crate::container::isobmff::write_box(&mut out, b"iprp", &body);
                }
                b"idat" => {
                    if let Some(idat) = &idat {
                        crate::container::isobmff::write_box(&mut out, b"idat", idat);
                    }
                }
                _ => {}
            }
            parts.push((*kind, out));
        }
        let body_len: u64 = 4 + parts.iter().map(|(_, p)| p.len() as u64).sum::<u64>() + iloc_len;
        let meta_len = body_len + 8;

        // Layout: ftyp, then meta and kept mdats in file order.
        let ftyp = top
            .ftyp
            .ok_or_else(|| Error::malformed(STRUCTURE, 0, "no 'ftyp' box"))?;
        enum Out {
            Meta,
            Mdat(usize, u64),
        }
        let mut order: Vec<(u64, Out)> = vec![(meta_header.start, Out::Meta)];
        for (i, (m, ranges)) in top.mdats.iter().zip(&per_mdat).enumerate() {
            if let Some(last) = ranges.iter().map(|r| r.1).max() {
                order.push((m.start, Out::Mdat(i, last)));
            } else if m.body_len() > 0 {
                self.scan.report(Finding::removed(
                    Category::Other,
                    "Media data of removed items",
                    format!("mdat at offset {}", m.start),
                    human_size(m.body_len()),
                ));
            }
        }
        order.sort_by_key(|(start, _)| *start);
        // Output start of each kept mdat's body.
        let mut body_out: BTreeMap<usize, u64> = BTreeMap::new();
        let mut pos = ftyp.size;
        for (_, out) in &order {
            match out {
                Out::Meta => pos += meta_len,
                Out::Mdat(i, last) => {
                    let m = top.mdats.get(*i).copied().unwrap_or(ftyp);
                    body_out.insert(*i, pos + m.header_len);
                    pos += m.header_len + (last - m.body_start());
                }
            }
        }
        // Offsets of kept items in the output.
        let mut new_locs = Vec::with_capacity(kept_locs.len());
        for loc in &kept_locs {
            let mut loc = loc.clone();
            loc.data_reference = 0;
            if loc.method == 0 {
                let mut deltas = Vec::with_capacity(loc.extents.len());
                for extent in &loc.extents {
                    let start = loc.base + extent.offset;
                    let (i, m) = top
                        .mdats
                        .iter()
                        .enumerate()
                        .find(|(_, m)| m.body_start() <= start && start < m.end())
                        .ok_or_else(|| {
                            Error::overrun("HEIF iloc", start, "kept data outside every mdat")
                        })?;
                    let out_body = body_out.get(&i).copied().unwrap_or(0);
                    deltas.push(i128::from(out_body) - i128::from(m.body_start()));
                }
                remap(&mut loc, &deltas, &iloc)?;
            }
            new_locs.push(loc);
        }
        let iloc_box = iloc.write(&new_locs, meta_header.start)?;
        if iloc_box.len() as u64 != iloc_len {
            return Err(Error::Verification("rewritten iloc changed size".into()));
        }
        let mut meta_body = vec![0, 0, 0, 0];
        let mut iloc_written = false;
        for (kind, part) in &parts {
            if kind == b"iloc" {
                meta_body.extend_from_slice(&iloc_box);
                iloc_written = true;
            } else {
                meta_body.extend_from_slice(part);
            }
        }
        if !iloc_written {
            meta_body.extend_from_slice(&iloc_box);
        }
        let mut meta_box = Vec::with_capacity(meta_body.len() + 8);
        crate::container::isobmff::write_box(&mut meta_box, b"meta", &meta_body);
        if meta_box.len() as u64 != meta_len {
            return Err(Error::Verification("rewritten meta changed size".into()));
        }

        let mut plan = Plan::new();
        plan.copy(ftyp.start, ftyp.size);
        let mut meta_box = Some(meta_box);
        for (_, out) in order {
            match out {
                Out::Meta => plan.data(meta_box.take().unwrap_or_default()),
                Out::Mdat(i, last) => {
                    let m = top.mdats.get(i).copied().unwrap_or(ftyp);
                    let size = m.header_len + (last - m.body_start());
                    let mut header = Vec::with_capacity(16);
                    if m.header_len == 16 {
                        header.extend_from_slice(&1u32.to_be_bytes());
                        header.extend_from_slice(b"mdat");
                        header.extend_from_slice(&size.to_be_bytes());
                    } else {
                        let size32 = u32::try_from(size).map_err(|_| {
                            Error::Unsupported(
                                "an mdat of 4 GiB or more with a short header".into(),
                            )
                        })?;
                        header.extend_from_slice(&size32.to_be_bytes());
                        header.extend_from_slice(b"mdat");
                    }
                    plan.data(header);
                    let mut at = m.body_start();
                    for (start, end) in per_mdat.get(i).into_iter().flatten() {
                        plan.zeros(start.saturating_sub(at));
                        let from = at.max(*start);
                        if *end > from {
                            plan.copy(from, end - from);
                        }
                        at = at.max(*end);
                    }
                }
            }
        }
        Ok(plan)
    }

    /// `idat` with the bytes of kept items only (layout kept, the rest
    /// zeroed, cut after the last kept byte); `None` when nothing in it is
    /// kept.
    fn rebuilt_idat(&self, kept: &[(u64, u64)]) -> Result<Option<Vec<u8>>> {
        let Some(last) = kept.iter().map(|r| r.1).max() else {
            return Ok(None);
        };
        let (data, at) = self
            .meta
            .idat
            .as_ref()
            .ok_or_else(|| Error::malformed("HEIF iloc", 0, "an item is in a missing idat"))?;
        let mut out = vec![0u8; usize::try_from(last).unwrap_or(usize::MAX).min(data.len())];
        for (start, end) in kept {
            let range = usize::try_from(*start)
                .ok()
                .zip(usize::try_from(*end).ok())
                .and_then(|(s, e)| Some((s, e, data.get(s..e)?)));
            let Some((s, e, bytes)) = range else {
                return Err(Error::overrun("HEIF idat", *at, "an item runs past idat"));
            };
            if let Some(dst) = out.get_mut(s..e) {
                dst.copy_from_slice(bytes);
            }
        }
        Ok(Some(out))
    }
}

/// Merge sorted, possibly overlapping ranges.
fn merge(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// Refuse when a kept range shares bytes with a removed one (both sorted).
fn check_disjoint(kept: &[(u64, u64)], removed: &[(u64, u64)]) -> Result<()> {
    let (mut i, mut j) = (0, 0);
    while let (Some(k), Some(r)) = (kept.get(i), removed.get(j)) {
        if k.0 < r.1 && r.0 < k.1 {
            return Err(Error::malformed(
                "HEIF iloc",
                k.0.max(r.0),
                "a kept item shares bytes with a removed one",
            ));
        }
        if k.1 <= r.1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    Ok(())
}

/// Move the extents of `loc` by `deltas` (one per extent): through the
/// base offset when they all move alike and there is one, else extent by
/// extent.
fn remap(loc: &mut Location, deltas: &[i128], iloc: &Iloc) -> Result<()> {
    let moved = |value: u64, delta: i128| -> Result<u64> {
        u64::try_from(i128::from(value) + delta).map_err(|_| {
            Error::Unsupported(format!("HEIF item {}: its offset cannot be moved", loc.id))
        })
    };
    let Some(first) = deltas.first().copied() else {
        return Ok(());
    };
    if first == 0 && deltas.iter().all(|d| *d == 0) {
        return Ok(());
    }
    let same = deltas.iter().all(|d| *d == first);
    if same && iloc.base_size > 0 {
        if let Ok(base) = moved(loc.base, first) {
            loc.base = base;
            return Ok(());
        }
    }
    if iloc.offset_size == 0 {
        return Err(Error::Unsupported(format!(
            "HEIF item {}: its data moves but iloc has no offset field for it",
            loc.id
        )));
    }
    let id = loc.id;
    let extents: Vec<Extent> = loc
        .extents
        .iter()
        .zip(deltas)
        .map(|(e, d)| {
            u64::try_from(i128::from(e.offset) + d)
                .map(|offset| Extent { offset, len: e.len })
                .map_err(|_| {
                    Error::Unsupported(format!("HEIF item {id}: its offset cannot be moved"))
                })
        })
        .collect::<Result<_>>()?;
    loc.extents = extents;
    Ok(())
}

#[cfg(test)]
mod tests;
