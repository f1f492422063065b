//! The engine: sniff → plan → verify, the one flow every caller takes.
//!
//! Formats only walk their structure and return a [`Plan`], reporting
//! findings into a [`Scan`]; the engine builds the [`Inspection`] around
//! them, so no format depends on this layer.

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::formats;
use crate::io::readahead::ReadAhead;
use crate::io::Source;
use crate::limits::Limits;
use crate::plan::Plan;
use crate::policy::Policy;
use crate::scan::Scan;
use crate::sniff::{sniff, Format};
use crate::verify::{self, Cleaning};

/// The result of inspecting a file: what it holds and the plan that would
/// clean it.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The detected container format.
    pub format: Format,
    /// Everything found, with the fate the plan gives it.
    pub findings: Vec<Finding>,
    /// The output that would remove what must go.
    pub plan: Plan,
    /// The limits the input was parsed under (verification re-parses the
    /// output under the same ones).
    limits: Limits,
}

/// Inspect `src`: detect its format, list its metadata and plan the cleaned
/// output. Nothing is verified yet: call [`Inspection::verify`] (or use
/// [`clean`]) before writing.
///
/// ```
/// use mediascrub::{inspect, Policy};
/// let not_media = b"just some text, not a photo".as_slice();
/// assert!(inspect(not_media, &Policy::default()).is_err());
/// ```
pub fn inspect<S: Source + ?Sized>(src: &S, policy: &Policy) -> Result<Inspection> {
    inspect_with(src, policy, &Limits::default())
}

/// [`inspect`] under explicit [`Limits`] (lower them where memory is
/// scarce, e.g. in a browser tab).
///
/// ```
/// use mediascrub::{inspect_with, Limits, Policy};
/// let mut limits = Limits::default();
/// limits.max_findings = 16;
/// let jpeg = [0xFF, 0xD8, 0xFF, 0xD9];
/// // Not a complete JPEG (no frame): refused with a reason, never a panic.
/// assert!(inspect_with(jpeg.as_slice(), &Policy::default(), &limits).is_err());
/// ```
pub fn inspect_with<S: Source + ?Sized>(
    src: &S,
    policy: &Policy,
    limits: &Limits,
) -> Result<Inspection> {
    let src: &dyn Source = &src;
    let format = sniff(src)
        .ok_or_else(|| Error::Unsupported("not a recognised photo or video format".to_string()))?;
    inspect_as(format, src, policy, limits)
}

/// Plan `src` as `format` (already detected).
pub(crate) fn inspect_as(
    format: Format,
    src: &dyn Source,
    policy: &Policy,
    limits: &Limits,
) -> Result<Inspection> {
    // Header-sized reads come from a small window, not one system call
    // each (offsets are the same: the plan refers to `src` as it is).
    let windowed = ReadAhead::new(src);
    let mut scan = Scan::new(&windowed, policy, limits);
    let plan = formats::plan(format, &mut scan)?;
    plan.check_ranges(src.len())?;
    Ok(Inspection {
        format,
        findings: scan.into_findings(),
        plan,
        limits: *limits,
    })
}

impl Inspection {
    /// The findings that are structures the tool does not understand
    /// ([`Finding::unknown`]): removed by default, refused under
    /// [`Policy::refuse_unknown`].
    pub fn unknown_blocks(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.unknown)
    }

    /// `Err(`[`Error::UnknownBlocks`]`)` when `policy` refuses unknown
    /// structures and this file holds some; [`Inspection::verify`] checks
    /// it first, and a report-only caller (a scan) can ask the same.
    ///
    /// ```
    /// use mediascrub::{inspect, Error, Policy};
    /// # let jpeg: Vec<u8> = [
    /// #     &[0xFF, 0xD8, 0xFF, 0xE9, 0, 6][..], b"what",
    /// #     &[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0],
    /// #     &[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9],
    /// # ].concat();
    /// let strict = Policy { refuse_unknown: true, ..Policy::default() };
    /// // An APP9 segment nobody defines.
    /// let inspection = inspect(jpeg.as_slice(), &strict)?;
    /// assert!(matches!(inspection.check_unknown(&strict), Err(Error::UnknownBlocks { count: 1, .. })));
    /// assert!(inspection.check_unknown(&Policy::default()).is_ok());
    /// assert!(inspection.verify(jpeg.as_slice(), &strict).is_err());
    /// # Ok::<(), mediascrub::Error>(())
    /// ```
    pub fn check_unknown(&self, policy: &Policy) -> Result<()> {
        if !policy.refuse_unknown {
            return Ok(());
        }
        let mut unknown = self.unknown_blocks();
        match unknown.next() {
            None => Ok(()),
            Some(first) => Err(Error::UnknownBlocks {
                first: format!("{} ({}) at {}", first.field, first.value, first.location),
                count: 1 + unknown.count(),
            }),
        }
    }

    /// Verify this plan: the planned output is parsed once more, as a new
    /// input (the input itself is not parsed again), and must hold nothing
    /// but what the policy keeps. On success the returned [`Cleaning`] can
    /// write the output, searching every byte it writes for the sensitive
    /// values found here.
    ///
    /// ```
    /// use mediascrub::{inspect, Policy};
    /// # let jpeg: Vec<u8> = [
    /// #     &[0xFF, 0xD8, 0xFF, 0xFE, 0, 8][..], b"hello!",
    /// #     &[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0],
    /// #     &[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9],
    /// # ].concat();
    /// let policy = Policy::default();
    /// let inspection = inspect(jpeg.as_slice(), &policy)?;
    /// println!("{} findings", inspection.findings.len());
    /// let cleaning = inspection.verify(jpeg.as_slice(), &policy)?;
    /// let mut out = Vec::new();
    /// cleaning.write_verified(jpeg.as_slice(), &mut out)?;
    /// assert!(!out.windows(6).any(|w| w == b"hello!"));
    /// # Ok::<(), mediascrub::Error>(())
    /// ```
    pub fn verify<S: Source + ?Sized>(self, src: &S, policy: &Policy) -> Result<Cleaning> {
        self.check_unknown(policy)?;
        let src: &dyn Source = &src;
        let output = self.plan.output(src);
        let again = inspect_as(self.format, &output, policy, &self.limits).map_err(|err| {
            Error::Verification(format!("the cleaned output does not parse again: {err}"))
        })?;
        verify::check_reparse(&again.findings)?;
        Ok(Cleaning {
            format: self.format,
            findings: self.findings,
            plan: self.plan,
        })
    }
}

/// Inspect `src` and verify that the planned output holds nothing
/// sensitive. On success the returned [`Cleaning`] can write the output.
///
/// ```no_run
/// use mediascrub::{clean, FileSource, Policy};
/// let src = FileSource::new(std::fs::File::open("photo.jpg")?)?;
/// let cleaning = clean(&src, &Policy::default())?;
/// let mut out = std::fs::File::create("photo.clean.jpg")?;
/// // On Err, discard `out`: it is not a verified output.
/// cleaning.write_verified(&src, &mut out)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn clean<S: Source + ?Sized>(src: &S, policy: &Policy) -> Result<Cleaning> {
    inspect(src, policy)?.verify(src, policy)
}

/// Clean an in-memory file and return the cleaned bytes with what was found.
///
/// ```
/// use mediascrub::{clean_bytes, Policy};
/// # let jpeg: Vec<u8> = [
/// #     &[0xFF, 0xD8, 0xFF, 0xFE, 0, 8][..], b"hello!",
/// #     &[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0],
/// #     &[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9],
/// # ].concat();
/// let (cleaned, cleaning) = clean_bytes(&jpeg, &Policy::default())?;
/// assert!(cleaned.len() < jpeg.len());
/// assert_eq!(cleaning.findings.len(), 1); // the comment "hello!"
/// # Ok::<(), mediascrub::Error>(())
/// ```
pub fn clean_bytes(input: &[u8], policy: &Policy) -> Result<(Vec<u8>, Cleaning)> {
    let cleaning = clean(input, policy)?;
    let mut out = Vec::with_capacity(usize::try_from(cleaning.plan.output_len()).unwrap_or(0));
    cleaning.write_verified(input, &mut out)?;
    Ok((out, cleaning))
}
