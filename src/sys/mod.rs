//! The runtime API as the rest of the crate sees it: safe wrappers with one signature on every
//! target.
//!
//! - On wasm32 ([`wasm`]) they call the host's imports (`docs/abi.md`) and threadify's patch
//!   imports; this is the product.
//! - On the host target with the `native-runtime` feature ([`native`]) the same API is backed by std
//!   threads and an emulated futex, so that the primitives above it run as ordinary native code:
//!   under Miri, under `loom` (`--cfg loom`), and in plain unit tests.

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::wthreads_abi_version;
#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::*;

#[cfg(not(target_arch = "wasm32"))]
mod futex_table;
#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::*;

/// A wait's timeout as the runtime API passes it: nanoseconds, or `abi::NO_TIMEOUT`.
pub(crate) fn timeout_ns(timeout: Option<core::time::Duration>) -> i64 {
    match timeout {
        Some(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        None => crate::abi::NO_TIMEOUT,
    }
}

/// Everything a new thread needs, as handed to `thread_spawn`.
pub(crate) struct SpawnArgs<'a> {
    pub start_arg: *mut u8,
    #[cfg_attr(not(target_arch = "wasm32"), expect(dead_code, reason = "native threads have std's stack and TLS"))]
    pub stack_top: *mut u8,
    #[cfg_attr(not(target_arch = "wasm32"), expect(dead_code, reason = "native threads have std's stack and TLS"))]
    pub tls_block: *mut u8,
    #[cfg_attr(target_arch = "wasm32", expect(dead_code, reason = "natively it sizes std's thread stack"))]
    pub stack_size: usize,
    /// The lowest address the thread's shadow stack pointer may take (the top of its guard
    /// zone); threadify's stack check holds it there.
    #[cfg_attr(not(target_arch = "wasm32"), expect(dead_code, reason = "native threads have std's stack and TLS"))]
    pub stack_limit: *mut u8,
    pub exit_word: *const core::sync::atomic::AtomicU32,
    pub name: Option<&'a str>,
    /// What the new thread runs, given `start_arg`.
    #[cfg_attr(
        target_arch = "wasm32",
        expect(dead_code, reason = "the host enters through the export `wthreads_thread_entry`")
    )]
    pub entry: Entry,
}

/// How a new thread is run where the runtime starts it itself (natively; a wasm host enters
/// through the module's export instead, which runs the same `run`).
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    /// Runs the thread; given the `start_arg`.
    #[cfg_attr(
        target_arch = "wasm32",
        expect(dead_code, reason = "the host enters through the export, which runs it")
    )]
    pub run: unsafe fn(*mut u8),
    /// Ends a thread whose `run` unwound, given the panic's payload.
    #[cfg_attr(target_arch = "wasm32", expect(dead_code, reason = "panics do not unwind on wasm"))]
    pub end_after_panic: fn(alloc::boxed::Box<dyn core::any::Any + Send>),
}

/// How a joined thread ended.
pub(crate) enum JoinStatus {
    Returned,
    Trapped(alloc::string::String),
}
