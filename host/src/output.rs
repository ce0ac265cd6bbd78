//! The host's own lines on stderr (trap reports, lock events, command-line errors).
//!
//! A closed or broken stderr (`wthreads run … 2>&1 | head -n 1`) must never cost a guest
//! thread's end or the program's exit status, so a failed write is dropped instead of
//! panicking as `eprintln!` does.

use std::io::Write;

/// Writes `text` and a newline to stderr in one piece; errors are ignored.
pub fn stderr_line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.write_all(b"\n"));
}
