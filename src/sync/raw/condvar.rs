//! The futex state machine under [`Condvar`](crate::sync::Condvar): a sequence counter that
//! every notification bumps, which a waiter reads before it releases its lock, so that a
//! notification between the release and the sleep is never missed.

use crate::abi;
use crate::atomic::{AtomicU32, Ordering};
use crate::futex::{futex_wait, futex_wake, futex_wake_all};
use core::time::Duration;

/// The raw condition variable.
pub(crate) struct RawCondvar {
    seq: AtomicU32,
}

impl RawCondvar {
    crate::atomic::const_unless_loom! {
        pub(crate) fn new() -> RawCondvar {
            RawCondvar { seq: AtomicU32::new(0) }
        }
    }

    /// Wakes one waiter, if any.
    pub(crate) fn notify_one(&self) {
        self.event(abi::CONDVAR_NOTIFY, 0, 0);
        // Relaxed: the mutex orders the data; the increment only has to be seen by the
        // waiter's futex check, which reads the word atomically.
        self.seq.fetch_add(1, Ordering::Relaxed);
        futex_wake(&self.seq);
    }

    /// Wakes every waiter.
    pub(crate) fn notify_all(&self) {
        self.event(abi::CONDVAR_NOTIFY, 1, 0);
        // Relaxed: as in `notify_one`.
        self.seq.fetch_add(1, Ordering::Relaxed);
        futex_wake_all(&self.seq);
    }

    /// Sleeps until notified (or spuriously, or until `timeout`) with a lock released around
    /// the sleep: `unlock` releases it once the sequence is read, `relock` takes it again, also
    /// if the sleep unwinds. Returns whether the timeout ran out.
    pub(crate) fn wait(&self, unlock: impl FnOnce(), relock: impl FnOnce(), timeout: Option<Duration>) -> bool {
        /// Runs its closure when dropped.
        struct OnDrop<F: FnOnce()>(Option<F>);
        impl<F: FnOnce()> Drop for OnDrop<F> {
            fn drop(&mut self) {
                if let Some(f) = self.0.take() {
                    f();
                }
            }
        }
        // Read the sequence before unlocking: a notification after the unlock changes it, so
        // the futex wait below returns at once instead of missing it.
        let seq = self.seq.load(Ordering::Relaxed);
        self.event(abi::CONDVAR_WAIT, 0, crate::sys::timeout_ns(timeout));
        unlock();
        let _relock = OnDrop(Some(relock));
        let woken = futex_wait(&self.seq, seq, timeout);
        let timed_out = !woken && timeout.is_some();
        self.event(abi::CONDVAR_WOKEN, usize::from(timed_out), 0);
        timed_out
    }

    /// Reports an event of this condition variable (its address is its word's).
    #[inline(always)]
    fn event(&self, kind: i32, b: usize, c: i64) {
        crate::sys::event(kind, (&raw const self.seq).addr(), b, c);
    }
}
