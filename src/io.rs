//! Output through the host, and the error type of fallible thread operations.

use crate::{abi, sys};
use core::fmt;

/// Result of a fallible operation, as `std::io::Result`.
///
/// # Examples
/// ```
/// fn spawn_one() -> wthreads::io::Result<()> {
///     wthreads::thread::Builder::new().spawn(|| ())?.join().ok();
///     Ok(())
/// }
/// ```
pub type Result<T> = core::result::Result<T, Error>;

/// What went wrong, as a subset of `std::io::ErrorKind`.
///
/// # Examples
/// ```
/// let e = wthreads::thread::Builder::new().stack_size(usize::MAX).spawn(|| ()).unwrap_err();
/// assert_eq!(e.kind(), wthreads::io::ErrorKind::OutOfMemory);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Memory for a stack or TLS block could not be allocated.
    OutOfMemory,
    /// The host refused the operation: its thread limit is reached or it lacks resources.
    WouldBlock,
    /// An argument was invalid.
    InvalidInput,
    /// Any other error reported by the host.
    Other,
}

/// An error from the runtime, with the host's error code when there is one.
///
/// # Examples
/// ```
/// if let Err(e) = wthreads::thread::Builder::new().spawn(|| ()) {
///     wthreads::eprintln!("spawn failed: {e}");
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    code: i32,
}

impl Error {
    pub(crate) const OUT_OF_MEMORY: Error = Error { kind: ErrorKind::OutOfMemory, code: 0 };

    pub(crate) fn from_abi(code: i32) -> Error {
        let kind = match code {
            abi::ERR_THREAD_LIMIT | abi::ERR_SPAWN_FAILED => ErrorKind::WouldBlock,
            abi::ERR_INVALID_ARGUMENT | abi::ERR_OUT_OF_BOUNDS | abi::ERR_MISALIGNED => ErrorKind::InvalidInput,
            _ => ErrorKind::Other,
        };
        Error { kind, code }
    }

    /// The kind of error.
    ///
    /// # Examples
    /// ```
    /// let e = wthreads::thread::Builder::new().stack_size(usize::MAX).spawn(|| ()).unwrap_err();
    /// assert_eq!(e.kind(), wthreads::io::ErrorKind::OutOfMemory);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The host's error code (`abi::ERR_*`), or `None` for errors raised in the guest.
    ///
    /// # Examples
    /// ```
    /// let e = wthreads::thread::Builder::new().stack_size(usize::MAX).spawn(|| ()).unwrap_err();
    /// let _code: Option<i32> = e.raw_os_error();
    /// ```
    #[must_use]
    pub fn raw_os_error(&self) -> Option<i32> {
        (self.code != 0).then_some(self.code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.raw_os_error() {
            Some(code) => write!(f, "{} (wthreads error {code})", abi::error_name(code)),
            None => f.write_str("out of memory"),
        }
    }
}

impl core::error::Error for Error {}

struct Fd(i32);

impl fmt::Write for Fd {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if sys::write(self.0, s.as_bytes()) < 0 { Err(fmt::Error) } else { Ok(()) }
    }
}

#[doc(hidden)]
pub fn _print(fd: i32, args: fmt::Arguments<'_>) {
    // Format into one buffer so that a line reaches the host in one write and lines of
    // different threads do not interleave.
    let s = alloc::fmt::format(args);
    let _ = fmt::Write::write_str(&mut Fd(fd), &s);
}

/// Prints to the host's standard output, like `std::print!`.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::io::_print($crate::abi::FD_STDOUT, format_args!($($arg)*)) };
}

/// Prints a line to the host's standard output, like `std::println!`.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::io::_print($crate::abi::FD_STDOUT, format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints to the host's standard error, like `std::eprint!`.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::io::_print($crate::abi::FD_STDERR, format_args!($($arg)*)) };
}

/// Prints a line to the host's standard error, like `std::eprintln!`.
#[macro_export]
macro_rules! eprintln {
    () => { $crate::eprint!("\n") };
    ($($arg:tt)*) => { $crate::io::_print($crate::abi::FD_STDERR, format_args!("{}\n", format_args!($($arg)*))) };
}

/// A `fmt::Write` into a buffer the caller lends (on its stack: formatting without the heap),
/// that keeps whole characters and drops what does not fit. One type for every buffer size, so
/// a guest carries its code once.
pub(crate) struct FixedBuf<'a> {
    bytes: &'a mut [u8],
    len: usize,
}

impl<'a> FixedBuf<'a> {
    /// An empty buffer over `bytes`.
    pub(crate) fn new(bytes: &'a mut [u8]) -> FixedBuf<'a> {
        FixedBuf { bytes, len: 0 }
    }

    /// What was written (whole characters only).
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

/// The longest prefix of `s` of at most `room` bytes that ends at a character boundary.
pub(crate) fn fitting(s: &str, room: usize) -> &str {
    let mut n = s.len().min(room);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

impl fmt::Write for FixedBuf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let part = fitting(s, self.bytes.len() - self.len);
        self.bytes[self.len..self.len + part.len()].copy_from_slice(part.as_bytes());
        self.len += part.len();
        Ok(())
    }
}
