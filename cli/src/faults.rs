//! Fault injection for the test suite (`cli/tests/faults.rs`): the output
//! writer can fail as a full disk would after a number of bytes, or be
//! slowed down so that a test can kill the process or change the input
//! while an output is being written; an in-place patch can be made to
//! abort the process at a named step ([`crash_point`]) or to fail a named
//! step ([`fail_point`]). It is driven by environment variables that only
//! the tests set.
//!
//! It exists only with the `fault-injection` cargo feature, so that a
//! release binary cannot be made to misbehave through its environment;
//! without the feature [`wrap_writer`] returns the writer unchanged and the
//! points do nothing.

use std::io::Write;

/// Abort the process here (`std::process::abort`: no destructor, no
/// clean-up, as a crash or a power cut would leave things) when
/// `MEDIASCRUB_TEST_CRASH_AT` names this step. The steps of an in-place
/// patch are listed in `crate::patch`.
#[cfg_attr(not(unix), allow(dead_code))] // in-place patching is Unix-only
#[cfg(feature = "fault-injection")]
pub fn crash_point(step: &str) {
    if std::env::var("MEDIASCRUB_TEST_CRASH_AT").is_ok_and(|at| at == step) {
        std::process::abort();
    }
}

/// Without the `fault-injection` feature: nothing.
#[cfg(not(feature = "fault-injection"))]
#[cfg_attr(not(unix), allow(dead_code))] // in-place patching is Unix-only
#[inline(always)]
pub fn crash_point(_step: &str) {}

/// Fail this step with an I/O error when `MEDIASCRUB_TEST_FAIL_AT` names
/// it, so that the tests reach the recovery of failures that real disks
/// rarely produce on demand (a write error half-way through a patch, a
/// patched file that does not verify).
#[cfg_attr(not(unix), allow(dead_code))] // in-place patching is Unix-only
#[cfg(feature = "fault-injection")]
pub fn fail_point(step: &str) -> std::io::Result<()> {
    if std::env::var("MEDIASCRUB_TEST_FAIL_AT").is_ok_and(|at| at == step) {
        return Err(std::io::Error::other(format!("injected failure at {step}")));
    }
    Ok(())
}

/// Without the `fault-injection` feature: never fails.
#[cfg(not(feature = "fault-injection"))]
#[cfg_attr(not(unix), allow(dead_code))] // in-place patching is Unix-only
#[inline(always)]
pub fn fail_point(_step: &str) -> std::io::Result<()> {
    Ok(())
}

/// The writer outputs go through: `inner` itself, or with the
/// `fault-injection` feature `inner` behind the injected faults.
#[cfg(not(feature = "fault-injection"))]
pub fn wrap_writer<W: Write>(inner: W) -> W {
    inner
}

/// The writer outputs go through: `inner` behind the faults the
/// environment asks for (a plain pass-through when it asks for none).
#[cfg(feature = "fault-injection")]
pub fn wrap_writer<W: Write>(inner: W) -> injected::Faulty<W> {
    injected::Faulty::new(inner)
}

#[cfg(feature = "fault-injection")]
mod injected {
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
