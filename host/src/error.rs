//! Why a module could not be run, or a call did not return.

use std::fmt;

/// Why a module could not be run, or a call did not return.
#[derive(Debug)]
pub enum Error {
    /// The module is unusable or was used wrongly: not wasm, cannot be patched, wrong imports or
    /// ABI version, no such export, arguments that do not fit.
    Module(String),
    /// The invoked function trapped or panicked; the message.
    Trap(String),
    /// Every live thread was blocked for good; the report of what each waited for.
    Deadlock(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Module(m) | Error::Trap(m) | Error::Deadlock(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}
