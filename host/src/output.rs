//! Where output goes: the guest's stdout and stderr (`write`) and the runtime's own lines about
//! the run (trap reports, lock-order warnings) go to the runtime's sinks, which the embedder
//! chooses ([`Builder::stdout`](crate::Builder::stdout)); the process's stdout and stderr by
//! default.
//!
//! A closed or broken stream (`wthreads run … 2>&1 | head -n 1`) must never cost a guest
//! thread's end or the program's exit status, so a failed line is dropped instead of panicking
//! as `eprintln!` does.

use std::io::Write;
use std::sync::{Mutex, PoisonError};
use wthreads::abi;

/// A stream the runtime writes to.
pub(crate) type Sink = Box<dyn Write + Send>;

/// A callback as a stream: each write hands it the bytes.
pub(crate) struct Callback<F>(pub(crate) F);

impl<F: FnMut(&[u8]) + Send> Write for Callback<F> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        (self.0)(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The runtime's two streams.
pub(crate) struct Sinks {
    stdout: Mutex<Sink>,
    stderr: Mutex<Sink>,
}

impl Sinks {
    pub(crate) fn new(stdout: Sink, stderr: Sink) -> Sinks {
        Sinks { stdout: Mutex::new(stdout), stderr: Mutex::new(stderr) }
    }

    /// Writes all of `bytes` to the guest's file descriptor `fd` (`abi::FD_STDOUT` or
    /// `abi::FD_STDERR`) and flushes it, as the process's unbuffered stderr would be.
    ///
    /// # Errors
    /// `abi::ERR_BAD_FD` for another descriptor or a failed write.
    pub(crate) fn write(&self, fd: i32, bytes: &[u8]) -> Result<(), i32> {
        let sink = match fd {
            abi::FD_STDOUT => &self.stdout,
            abi::FD_STDERR => &self.stderr,
            _ => return Err(abi::ERR_BAD_FD),
        };
        let mut sink = sink.lock().unwrap_or_else(PoisonError::into_inner);
        sink.write_all(bytes).and_then(|()| sink.flush()).map_err(|_| abi::ERR_BAD_FD)
    }

    /// Writes `text` and a newline to the stderr sink in one piece; errors are ignored.
    pub(crate) fn line(&self, text: &str) {
        let mut err = self.stderr.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = err.write_all(format!("{text}\n").as_bytes()).and_then(|()| err.flush());
    }
}

/// Writes `text` and a newline to the process's stderr in one piece; errors are ignored.
pub fn stderr_line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.write_all(b"\n"));
}
