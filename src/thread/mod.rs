//! Threads with the API of `std::thread`.
//!
//! Each thread runs in its own wasm instance over the shared memory, with its own shadow
//! stack (see [`Builder::stack_size`]) and TLS block, both freed after the thread ended.

mod local;
mod packet;
#[cfg(target_arch = "wasm32")]
pub(crate) mod panic_report;
mod park;
mod scoped;
mod spawn;
#[cfg(feature = "build-std")]
mod std_panic;

pub use crate::runtime::{Thread, ThreadId};
pub use local::{AccessError, LocalKey};
pub use park::{park, park_timeout};
pub use scoped::{Scope, ScopedJoinHandle, scope};
#[cfg(target_arch = "wasm32")]
pub use spawn::wthreads_thread_entry;
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

/// Puts `payload` where the calling thread's joiner will find it if the thread ends by the
/// panic that follows (see `panic::panic_any`).
#[cfg(target_arch = "wasm32")]
pub(crate) fn stash_panic_payload(payload: alloc::boxed::Box<dyn core::any::Any + Send>) {
    // SAFETY: only the owning thread writes the payload, before it ends.
    unsafe { *current_tcb().panic_payload.get() = Some(payload) };
}

/// Stores a panicking thread's payload for its joiner (`None`: there was no memory for it, and
/// the joiner gets the host's message) and records its death, so that the locks it holds are
/// taken over by their next users. Never allocates.
#[cfg(target_arch = "wasm32")]
pub(crate) fn record_panic(payload: Option<alloc::boxed::Box<dyn core::any::Any + Send>>) {
    // A thread without a control block has never taken a lock as its owner.
    let Some(tcb) = crate::tcb::try_current_tcb() else { return };
    // SAFETY: only the owning thread writes the payload, before it ends.
    let slot = unsafe { &mut *tcb.panic_payload.get() };
    // A payload already there was put by `panic::panic_any`, and is the one `join` returns.
    if slot.is_none() {
        *slot = payload;
    }
    // The thread ends without unwinding: locks it holds are recovered by their next users.
    crate::runtime::death::mark_dead(tcb);
}
