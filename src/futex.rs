//! The futex contract every blocking primitive is written against.
//!
//! Only this file knows that waiting goes through the runtime API; `sync` and `thread` use
//! these three functions, in the style of Rust std's `sys/sync/*/futex.rs`.

use crate::atomic::AtomicU32;
use crate::sys;
use core::time::Duration;

/// Blocks while `futex` holds `expected`, until woken or `timeout` elapses.
///
/// Returns `false` only if the timeout elapsed. Spurious wake-ups are possible: callers loop.
#[inline]
pub fn futex_wait(futex: &AtomicU32, expected: u32, timeout: Option<Duration>) -> bool {
    sys::wait32(futex, expected, timeout)
}

/// Wakes one thread waiting on `futex`; returns whether one was woken.
#[inline]
pub fn futex_wake(futex: &AtomicU32) -> bool {
    sys::wake(futex, 1) > 0
}

/// Wakes every thread waiting on `futex`.
#[inline]
pub fn futex_wake_all(futex: &AtomicU32) {
    sys::wake(futex, crate::abi::WAKE_ALL);
}
