//! Threads with the API of `std::thread`.
//!
//! Each thread runs in its own wasm instance over the shared memory, with its own shadow
//! stack (see [`Builder::stack_size`]) and TLS block, both freed after the thread ended.

mod local;
mod packet;
mod park;
mod scoped;
pub(crate) mod spawn;

pub use crate::runtime::{Thread, ThreadId};
pub use local::{AccessError, LocalKey};
pub use park::{park, park_timeout};
pub use scoped::{Scope, ScopedJoinHandle, scope};
pub use spawn::{Builder, DEFAULT_STACK_SIZE, JoinHandle, MIN_STACK_SIZE, Result, reclaim_detached_threads, spawn};

use crate::atomic::AtomicU32;
use crate::tcb::current_tcb;
use crate::{futex, io, sys};
use core::num::NonZeroUsize;
use core::time::Duration;

/// Puts the current thread to sleep for at least `dur`; never returns early.
///
/// # Examples
/// ```
/// wthreads::thread::sleep(core::time::Duration::from_millis(10));
/// ```
pub fn sleep(dur: Duration) {
    let deadline = crate::deadline::Deadline::after(dur);
    // A private word nobody wakes: waiting on it is a pure timed sleep.
    let word = AtomicU32::new(0);
    while let Some(left) = deadline.left() {
        futex::futex_wait(&word, 0, left);
    }
}

/// Puts the current thread to sleep until `deadline` (not at all if it has passed), like std's
/// (nightly) `thread::sleep_until`.
///
/// # Examples
/// ```
/// use wthreads::time::Instant;
/// let deadline = Instant::now() + core::time::Duration::from_millis(10);
/// wthreads::thread::sleep_until(deadline);
/// assert!(Instant::now() >= deadline);
/// ```
pub fn sleep_until(deadline: crate::time::Instant) {
    if let Some(left) = deadline.checked_duration_since(crate::time::Instant::now()) {
        sleep(left);
    }
}

/// Gives up the rest of the current time slice.
///
/// # Examples
/// ```
/// wthreads::thread::yield_now();
/// ```
pub fn yield_now() {
    sys::thread_yield();
}

/// How many threads the host can run in parallel.
///
/// # Errors
/// Never fails on a wthreads host; the `Result` matches std's signature.
///
/// # Examples
/// ```
/// let n = wthreads::thread::available_parallelism().map_or(1, |n| n.get());
/// assert!(n >= 1);
/// ```
pub fn available_parallelism() -> io::Result<NonZeroUsize> {
    Ok(NonZeroUsize::new(sys::available_parallelism()).unwrap_or(NonZeroUsize::MIN))
}

/// A handle to the calling thread.
///
/// # Examples
/// ```
/// assert_eq!(wthreads::thread::current().name(), Some("main"));
/// ```
#[must_use]
pub fn current() -> Thread {
    current_tcb().thread.clone()
}

/// Whether the current thread is panicking.
///
/// # Examples
/// ```
/// assert!(!wthreads::thread::panicking());
/// ```
#[must_use]
pub fn panicking() -> bool {
    crate::runtime::current::panicking()
}
