//! The park token of a thread, on a futex word: what `thread::park` and `Thread::unpark` use.

use crate::abi;
use crate::atomic::{AtomicU32, Ordering};
use crate::futex::{futex_wait, futex_wake};
use core::time::Duration;

/// No token, nobody parked.
const EMPTY: u32 = 0;
/// The token is available: the next `park` consumes it and returns at once.
const NOTIFIED: u32 = 1;
/// The thread is (about to be) asleep in `park`.
const PARKED: u32 = u32::MAX;

/// The park token of one thread.
///
/// | state      | meaning                                          |
/// |------------|--------------------------------------------------|
/// | `EMPTY`    | no token                                         |
/// | `NOTIFIED` | a token is available                             |
/// | `PARKED`   | the owner sleeps; `unpark` must wake it          |
///
/// Only the owning thread moves the state down (`EMPTY → PARKED`, `NOTIFIED → EMPTY`) and
/// only `unpark` moves it to `NOTIFIED`, so one decrement tells `park` which case it is in.
pub(crate) struct Parker {
    state: AtomicU32,
}

impl Parker {
    crate::atomic::const_unless_loom! {
        pub(crate) fn new() -> Parker {
            Parker { state: AtomicU32::new(EMPTY) }
        }
    }

    /// Blocks until the token is available and consumes it.
    pub(crate) fn park(&self) {
        self.event(abi::PARK, abi::NO_TIMEOUT);
        // Acquire: pairs with `unpark`'s Release so the unparker's writes are visible.
        if self.state.fetch_sub(1, Ordering::Acquire) != NOTIFIED {
            // Not NOTIFIED → EMPTY: sleep for the token.
            loop {
                futex_wait(&self.state, PARKED, None);
                // Acquire: as above. Any other wake-up is spurious: keep waiting for the token.
                if self.state.compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                    break;
                }
            }
        }
        self.event(abi::UNPARKED, 0);
    }

    /// Blocks until the token is available or `timeout` elapsed; consumes the token if any.
    pub(crate) fn park_timeout(&self, timeout: Duration) {
        self.event(abi::PARK, crate::sys::timeout_ns(Some(timeout)));
        // Acquire: as in `park`.
        if self.state.fetch_sub(1, Ordering::Acquire) == NOTIFIED {
            self.event(abi::UNPARKED, 0);
            return;
        }
        let deadline = crate::deadline::Deadline::after(timeout);
        while let Some(left) = deadline.left() {
            futex_wait(&self.state, PARKED, left);
            // Relaxed: only decides whether to keep waiting; the swap below synchronises.
            if self.state.load(Ordering::Relaxed) == NOTIFIED {
                break;
            }
        }
        // Acquire: as in `park`. Leaves EMPTY whether or not the token came.
        self.state.swap(EMPTY, Ordering::Acquire);
        self.event(abi::UNPARKED, 0);
    }

    /// Makes the token available and wakes the owner if it sleeps.
    pub(crate) fn unpark(&self) {
        self.event(abi::UNPARK, 0);
        // Release: publishes the unparker's writes to the parked thread.
        if self.state.swap(NOTIFIED, Ordering::Release) == PARKED {
            futex_wake(&self.state);
        }
    }

    /// Reports an event of this parker (its address is its word's).
    #[inline(always)]
    fn event(&self, kind: i32, c: i64) {
        crate::sys::event(kind, (&raw const self.state).addr(), 0, c);
    }
}
