//! The futex mutex under `Mutex`, and under the allocator's lock.

use crate::futex::{futex_wait, futex_wake};
use core::sync::atomic::{AtomicU32, Ordering};

/// Nobody holds the lock.
const UNLOCKED: u32 = 0;
/// Held, and no thread is (known to be) waiting.
const LOCKED: u32 = 1;
/// Held, and threads may be waiting: the unlocker must wake one.
const CONTENDED: u32 = 2;

/// A futex-style mutex: one word; lock and unlock are a single atomic each when uncontended,
/// and only contended paths reach the runtime API.
///
/// | state       | meaning                                   |
/// |-------------|-------------------------------------------|
/// | `UNLOCKED`  | free                                      |
/// | `LOCKED`    | held, nobody waits                        |
/// | `CONTENDED` | held, waiters may sleep on the word       |
pub(crate) struct RawMutex {
    futex: AtomicU32,
}

impl RawMutex {
    pub(crate) const fn new() -> RawMutex {
        RawMutex { futex: AtomicU32::new(UNLOCKED) }
    }

    /// Tries to take the lock without waiting.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        // Acquire: on success we must see everything the previous holder wrote.
        self.futex.compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    /// Takes the lock, sleeping if another thread holds it.
    #[inline]
    pub(crate) fn lock(&self) {
        #[cfg(feature = "trace-locks")]
        crate::sys::lock_event(crate::abi::LOCK_ACQUIRE_STARTED, self.addr());
        if !self.try_lock() {
            self.lock_contended();
        }
        #[cfg(feature = "trace-locks")]
        crate::sys::lock_event(crate::abi::LOCK_ACQUIRED, self.addr());
    }

    #[cold]
    fn lock_contended(&self) {
        let mut state = self.spin();
        if state == UNLOCKED {
            // Acquire: as in `try_lock`.
            match self.futex.compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => return,
                Err(s) => state = s,
            }
        }
        loop {
            // Mark the lock contended so the holder wakes us. Acquire: if the swap finds it
            // UNLOCKED we now own it and must see the previous holder's writes.
            if state != CONTENDED && self.futex.swap(CONTENDED, Ordering::Acquire) == UNLOCKED {
                return;
            }
            futex_wait(&self.futex, CONTENDED, None);
            state = self.spin();
        }
    }

    /// Spins a bounded number of times while the lock is held by someone who may release it soon.
    fn spin(&self) -> u32 {
        let mut spins = 100;
        loop {
            // Relaxed: only a hint; the following compare-exchange synchronises.
            let state = self.futex.load(Ordering::Relaxed);
            if state != LOCKED || spins == 0 {
                return state;
            }
            core::hint::spin_loop();
            spins -= 1;
        }
    }

    /// Releases the lock.
    ///
    /// # Safety
    /// The calling thread must hold the lock.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // Release: publishes the critical section's writes to the next holder.
        if self.futex.swap(UNLOCKED, Ordering::Release) == CONTENDED {
            self.wake();
        }
        #[cfg(feature = "trace-locks")]
        crate::sys::lock_event(crate::abi::LOCK_RELEASED, self.addr());
    }

    #[cold]
    fn wake(&self) {
        futex_wake(&self.futex);
    }

    #[cfg(feature = "trace-locks")]
    fn addr(&self) -> *const u8 {
        (&raw const self.futex).cast()
    }
}
