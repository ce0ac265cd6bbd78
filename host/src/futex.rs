//! Waiting on a word of the shared memory and waking its waiters, for the runtime API's
//! `wait32`, `wait_watched` and `wake` and for the host's own wakes (a thread's end, the
//! deadlock watch).
//!
//! wasmtime's `memory.atomic.wait32`/`notify` park threads in one table for the whole process,
//! under one mutex. On Linux, when every wake of the module reaches the host (the module imports
//! `wthreads.wake`: [`wthreads_threadify::host_waits`] makes it so), the host waits with the
//! kernel's futex on the word itself, as native code does: a condvar round trip measured
//! 0.84–0.97 of native std's this way, 1.03–1.18 through wasmtime's table (docs/benchmarks.md).
//! Otherwise a wait or wake left in the module as an instruction goes to wasmtime's table, so
//! the host must use that table too, or a waiter would never hear its wake.

use crate::memory::GuestMemory;
use std::time::Duration;
use wasmtime::{Module, SharedMemory, WaitResult};
use wthreads::abi;

/// How the threads of one runtime wait on its memory.
pub(crate) struct Futex {
    memory: SharedMemory,
    /// When waits and wakes use the kernel's futex on the word (else wasmtime's table).
    on_word: Option<on_word::Kernel>,
}

impl Futex {
    /// The waits of `module`'s runtime, on `memory`.
    pub(crate) fn new(memory: SharedMemory, module: &Module) -> Futex {
        let wakes_reach_host = module
            .imports()
            .any(|i| i.module() == abi::IMPORT_MODULE && i.name() == wthreads_threadify::conventions::WAKE);
        let on_word = if wakes_reach_host { on_word::Kernel::new() } else { None };
        Futex { memory, on_word }
    }

    /// Waits while the word at guest address `ptr` holds `expected`, at most `timeout`: the
    /// runtime API's result (`WAIT_*`), or `ERR_MISALIGNED` / `ERR_OUT_OF_BOUNDS` for `ptr`.
    pub(crate) fn wait(&self, ptr: i32, expected: u32, timeout: Option<Duration>) -> i32 {
        let word = match GuestMemory::new(&self.memory).word(ptr) {
            Ok(w) => w,
            Err(e) => return e,
        };
        let result = if let Some(kernel) = &self.on_word {
            kernel.wait(word, expected, timeout)
        } else {
            match self.memory.atomic_wait32(u64::from(ptr.cast_unsigned()), expected, timeout) {
                Ok(r) => r,
                Err(_) => return abi::ERR_OUT_OF_BOUNDS,
            }
        };
        match result {
            WaitResult::Ok => abi::WAIT_WOKEN,
            WaitResult::Mismatch => abi::WAIT_NOT_EQUAL,
            WaitResult::TimedOut => abi::WAIT_TIMED_OUT,
        }
    }

    /// Wakes at most `count` threads waiting on the word at guest address `ptr`: how many it
    /// woke, or `ERR_MISALIGNED` / `ERR_OUT_OF_BOUNDS` for `ptr`.
    pub(crate) fn wake(&self, ptr: i32, count: u32) -> i32 {
        let word = match GuestMemory::new(&self.memory).word(ptr) {
            Ok(w) => w,
            Err(e) => return e,
        };
        let woken = if let Some(kernel) = &self.on_word {
            kernel.wake(word, count)
        } else {
            match self.memory.atomic_notify(u64::from(ptr.cast_unsigned()), count) {
                Ok(n) => n,
                Err(_) => return abi::ERR_OUT_OF_BOUNDS,
            }
        };
        i32::try_from(woken).unwrap_or(i32::MAX)
    }
}

/// The kernel's futex on the word.
#[cfg(target_os = "linux")]
mod on_word {
    use std::sync::atomic::AtomicU32;
    use std::time::{Duration, Instant};
    use wasmtime::WaitResult;

    /// The kernel's futex, which Linux always has.
    pub(super) struct Kernel;

    impl Kernel {
        /// The futex: there is one.
        pub(super) fn new() -> Option<Kernel> {
            Some(Kernel)
        }

        /// `FUTEX_WAIT` while `word` holds `expected`; an interrupted wait goes on until its
        /// deadline. A timeout past what the clock holds waits forever.
        pub(super) fn wait(&self, word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitResult {
            let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
            loop {
                let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                let ts = left.map(|t| libc::timespec {
                    tv_sec: libc::time_t::try_from(t.as_secs()).unwrap_or(libc::time_t::MAX),
                    tv_nsec: libc::c_long::from(t.subsec_nanos().cast_signed()),
                });
                let ts_ptr = ts.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
                // SAFETY: `word` is a live, aligned atomic (the shared memory is never unmapped
                // while its runtime lives), which the kernel only reads; `ts_ptr` is null or points
                // at a timespec that outlives the call.
                let r = unsafe {
                    libc::syscall(
                        libc::SYS_futex,
                        word.as_ptr(),
                        libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                        expected,
                        ts_ptr,
                    )
                };
                if r == 0 {
                    return WaitResult::Ok;
                }
                match std::io::Error::last_os_error().raw_os_error() {
                    Some(libc::EAGAIN) => return WaitResult::Mismatch,
                    Some(libc::ETIMEDOUT) => return WaitResult::TimedOut,
                    Some(libc::EINTR) => {}
                    // Any other error is a spurious wake, which every waiter's loop expects.
                    _ => return WaitResult::Ok,
                }
            }
        }

        /// `FUTEX_WAKE` of at most `count` waiters of `word`; how many it woke. A wake that finds
        /// nobody asleep (most wakes of a contended lock) still costs the system call: counting
        /// sleepers to skip it made a contended counter slower, since the unlocker's time in
        /// the kernel lets the other thread run a burst with the lock (docs/benchmarks.md,
        /// "Many samples of the contended counter").
        pub(super) fn wake(&self, word: &AtomicU32, count: u32) -> u32 {
            let count = i32::try_from(count).unwrap_or(i32::MAX);
            // SAFETY: `word` is a live, aligned atomic of the shared memory, which stays mapped while
            // its runtime lives; `FUTEX_WAKE` only uses its address as a key, never reads or writes it.
            let r = unsafe {
                libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG, count)
            };
            u32::try_from(r).unwrap_or(0)
        }
    }
}

/// Off Linux there is no futex on the word: the host keeps wasmtime's table.
#[cfg(not(target_os = "linux"))]
mod on_word {
    use std::sync::atomic::AtomicU32;
    use std::time::Duration;
    use wasmtime::WaitResult;

    /// No kernel futex: never made.
    pub(super) enum Kernel {}

    impl Kernel {
        /// The futex: there is none.
        pub(super) fn new() -> Option<Kernel> {
            None
        }

        pub(super) fn wait(&self, _: &AtomicU32, _: u32, _: Option<Duration>) -> WaitResult {
            match *self {}
        }

        pub(super) fn wake(&self, _: &AtomicU32, _: u32) -> u32 {
            match *self {}
        }
    }
}
