//! Standard input and output as a file: `mediascrub clean - <in >out`,
//! `-o -`, and a reader that goes away (`scan DIR | head -1`).
//!
//! The core reads its input by position (a plan copies ranges of it, and
//! verification searches the planned output before anything is written),
//! so standard input must be a file it can seek in. When it is one (a
//! redirect from a file) it is read in place; a pipe is first copied to an
//! unnamed temporary file (`$TMPDIR`, deleted as soon as it is created), so
//! memory stays bounded for any video size.
//!
//! Bytes written to standard output cannot be taken back: the cleaned file
//! is searched for leaks in full first ([`mediascrub::Cleaning::scan_output`]),
//! and only then written, so a refused file writes nothing at all.

use std::fs::File;
use std::io::{self, Seek, Write};

use anyhow::{bail, Context, Result};
use mediascrub::{Cleaning, FileSource};

/// Standard input as a source the core can read by position.
pub fn open_stdin() -> Result<FileSource> {
    use std::io::IsTerminal;
    if io::stdin().is_terminal() {
        bail!("standard input is a terminal; give the file on it (mediascrub clean - <in.jpg >out.jpg)");
    }
    let mut file = stdin_file()?;
    let seekable = file.metadata().is_ok_and(|m| m.is_file());
    // Read in place only from the start: a file already partly read by
    // someone else starts where they left it.
    if seekable && file.stream_position().is_ok_and(|at| at == 0) {
        return FileSource::new(file).context("cannot read standard input");
    }
    let mut spool =
        tempfile::tempfile().context("cannot create a temporary file for standard input")?;
    io::copy(&mut io::stdin().lock(), &mut spool).context("cannot read standard input")?;
    spool.flush().context("cannot spool standard input")?;
    FileSource::new(spool).context("cannot spool standard input")
}

#[cfg(unix)]
fn stdin_file() -> Result<File> {
    use std::os::fd::AsFd;
    let fd = io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .context("cannot open standard input")?;
    Ok(File::from(fd))
}

#[cfg(windows)]
fn stdin_file() -> Result<File> {
    use std::os::windows::io::AsHandle;
    let handle = io::stdin()
        .as_handle()
        .try_clone_to_owned()
        .context("cannot open standard input")?;
    Ok(File::from(handle))
}

/// Write the cleaned file to standard output: searched in full first, so
/// that nothing unverified is ever written, then streamed. Refused when
/// standard output is a terminal.
pub fn write_stdout(cleaning: &Cleaning, src: &FileSource) -> Result<u64> {
    use std::io::IsTerminal;
    if io::stdout().is_terminal() {
        bail!("standard output is a terminal; redirect it to a file (mediascrub clean - <in.jpg >out.jpg) or write one with -o FILE");
    }
    cleaning.scan_output(src)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut counted = Counted {
        inner: &mut out,
        written: 0,
    };
    let result = cleaning
        .write_verified(src, &mut counted)
        .map_err(anyhow::Error::from)
        .and_then(|()| counted.flush().map_err(anyhow::Error::from));
    if let Err(err) = result {
        if is_broken_pipe(&err) {
            bail!("standard output was closed before the whole cleaned file was written");
        }
        return Err(err.context("cannot write the cleaned file to standard output"));
    }
    Ok(counted.written)
}

struct Counted<'a, W: Write> {
    inner: &'a mut W,
    written: u64,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Whether `err` comes from writing to a reader that went away (`| head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
            || cause
                .downcast_ref::<mediascrub::Error>()
                .is_some_and(|e| matches!(e, mediascrub::Error::Io(io) if io.kind() == io::ErrorKind::BrokenPipe))
    })
}
