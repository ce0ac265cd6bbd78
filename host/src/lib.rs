//! The native wthreads host: runs patched (or unpatched) wthreads guests on wasmtime.
//!
//! One `Engine` and one compiled `Module` serve every thread; each guest thread runs on a host
//! thread with its own `Store` and instance over the one `SharedMemory`, and host threads
//! whose guest thread ended park with their instance for the next spawn ([`pool`]). The runtime API it implements
//! is `docs/abi.md`; [`run`] is what `wthreads run` does.

mod checks;
mod headroom;
pub mod imports;
pub mod main_thread;
pub mod memory;
pub mod output;
pub mod pool;
pub mod runtime;
pub mod threads;
pub mod trace;
pub mod watch;

pub use main_thread::MainThread;
pub use runtime::{Error, Options, Runtime};

/// Exit status of `wthreads run` when the invoked function traps or panics.
pub const EXIT_TRAP: i32 = 101;
/// Exit status of `wthreads run` when the module cannot be run (or bad usage).
pub const EXIT_MODULE: i32 = 2;
/// Exit status of `wthreads check` when it reported a data race or a lock-order inversion (Go's
/// race detector's).
pub const EXIT_RACE: i32 = 66;
/// Exit status of a program that the host ended because every live thread was blocked with no
/// way out, after printing what each waits for (`docs/check.md`, "Deadlocks").
pub const EXIT_DEADLOCK: i32 = 102;

/// Loads `wasm` and runs `options.invoke` on its main thread; returns its i32 result.
///
/// # Errors
/// [`Error::Module`] for an unusable module, [`Error::Trap`] if the function traps.
pub fn run(wasm: &[u8], options: Options) -> Result<i32, Error> {
    Runtime::load(wasm, options)?.run_main()
}
