//! Cleaning one file and writing its output safely: a temporary file in the
//! target's directory, fsync, then an atomic rename. On any failure the
//! temporary file is removed, so there is never a partial or empty output,
//! and the original is never touched unless `--in-place` was asked for.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::SystemTime;

use anyhow::{anyhow, bail, Context, Result};
use mediascrub::{FileSource, Policy};
use tempfile::NamedTempFile;

use crate::inputs::Input;
use crate::report::FileReport;

/// Name prefix of the temporary file an output is written to before it is
/// renamed into place. A run killed mid-write (SIGKILL, power loss) leaves
/// one behind; it is never a finished output.
pub const TEMP_PREFIX: &str = ".mediascrub-";

/// Open an input for positioned reads.
pub fn open(input: &Input) -> Result<FileSource> {
    // Checked before opening: opening a FIFO (or a device) for reading can
    // block forever waiting for a writer.
    let meta = fs::metadata(&input.path).context("cannot open")?;
    if !meta.is_file() {
        bail!("not a regular file");
    }
    let file = File::open(&input.path).context("cannot open")?;
    let meta = file.metadata().context("cannot read")?;
    if !meta.is_file() {
        bail!("not a regular file");
    }
    FileSource::new(file).context("cannot read")
}

/// A fingerprint of the input's state, to notice it changing under us.
fn stamp(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    let meta = fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()))
}

/// Clean one input; the report says what was found and what was written.
pub fn clean_one(input: &Input, policy: &Policy, dry_run: bool) -> FileReport {
    let mut report = FileReport::new(input);
    match clean_inner(input, policy, dry_run, &mut report) {
        Ok(()) => {
            if !dry_run {
                report.output = input.output.as_ref().map(|p| p.display().to_string());
            }
        }
        Err(err) => report.error = Some(format!("{err:#}")),
    }
    report
}

fn clean_inner(
    input: &Input,
    policy: &Policy,
    dry_run: bool,
    report: &mut FileReport,
) -> Result<()> {
    let before = stamp(&input.path);
    let src = open(input)?;
    report.format = mediascrub::sniff(&src);
    let inspection = mediascrub::inspect(&src, policy);
    if let Ok(inspection) = &inspection {
        report.format = Some(inspection.format);
        report.findings = inspection.findings.clone();
    }
    inspection?;
    let cleaning = mediascrub::clean(&src, policy)?;
    report.findings = cleaning.findings.clone();
    if dry_run {
        cleaning.write_verified(&src, &mut std::io::sink())?;
        return Ok(());
    }
    let target = input
        .output
        .as_deref()
        .ok_or_else(|| anyhow!("no output path"))?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if !input.overwrite && target.exists() {
        bail!(
            "{} already exists; not overwriting it (use --out DIR or --in-place)",
            target.display()
        );
    }
    let temp = NamedTempFile::with_prefix_in(TEMP_PREFIX, &dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    {
        let file = faults::Faulty::new(temp.as_file());
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        cleaning
            .write_verified(&src, &mut writer)
            .map_err(|e| anyhow!(e))?;
        writer.flush().context("cannot write the output")?;
    }
    let written = temp
        .as_file()
        .metadata()
        .context("cannot write the output")?
        .len();
    if written != cleaning.plan.output_len() {
        bail!(
            "wrote {written} bytes but planned {}; output discarded",
            cleaning.plan.output_len()
        );
    }
    if let Ok(meta) = fs::metadata(&input.path) {
        // Keep the original's permissions (the temp file starts as 0600).
        let _ = fs::set_permissions(temp.path(), meta.permissions());
    }
    temp.as_file()
        .sync_all()
        .context("cannot flush the output to disk")?;
    if stamp(&input.path) != before {
        bail!("the file changed while it was being cleaned; output discarded");
    }
    if input.overwrite {
        temp.persist(target)
            .map_err(|e| anyhow!(e.error))
            .with_context(|| format!("cannot write {}", target.display()))?;
    } else {
        temp.persist_noclobber(target)
            .map_err(|e| anyhow!(e.error))
            .with_context(|| format!("cannot write {} (not overwriting)", target.display()))?;
    }
    sync_dir(&dir);
    Ok(())
}

/// Make the rename durable (best effort: not every platform can fsync a
/// directory).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Fault injection for the test suite, driven by environment variables that
/// only the tests set: the writer can fail as a full disk would after a
/// number of bytes, or be slowed down so that a test can kill the process
/// or change the input while an output is being written. Without the
/// variables it is a plain pass-through.
mod faults {
    use std::io::{self, Write};
    use std::time::Duration;

    /// Fail with "no space left on device" once this many bytes are written.
    const FAIL_AFTER: &str = "MEDIASCRUB_TEST_FAIL_WRITE_AFTER";
    /// Sleep this many milliseconds before each write call.
    const DELAY_MS: &str = "MEDIASCRUB_TEST_WRITE_DELAY_MS";

    fn env_u64(name: &str) -> Option<u64> {
        std::env::var(name).ok()?.trim().parse().ok()
    }

    pub struct Faulty<W> {
        inner: W,
        written: u64,
        fail_after: Option<u64>,
        delay: Option<Duration>,
    }

    impl<W: Write> Faulty<W> {
        pub fn new(inner: W) -> Self {
            Faulty {
                inner,
                written: 0,
                fail_after: env_u64(FAIL_AFTER),
                delay: env_u64(DELAY_MS).map(Duration::from_millis),
            }
        }
    }

    impl<W: Write> Write for Faulty<W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if let Some(delay) = self.delay {
                std::thread::sleep(delay);
            }
            let mut buf = buf;
            if let Some(limit) = self.fail_after {
                let room = limit.saturating_sub(self.written);
                if room == 0 {
                    return Err(no_space());
                }
                let room = usize::try_from(room).unwrap_or(usize::MAX);
                buf = buf.get(..room.min(buf.len())).unwrap_or(buf);
            }
            let n = self.inner.write(buf)?;
            self.written += n as u64;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }

    fn no_space() -> io::Error {
        #[cfg(unix)]
        {
            io::Error::from_raw_os_error(28) // ENOSPC
        }
        #[cfg(not(unix))]
        {
            io::Error::new(io::ErrorKind::StorageFull, "no space left on device")
        }
    }
}
