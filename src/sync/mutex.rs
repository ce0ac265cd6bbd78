//! `Mutex` with std's API, over the futex [`RawMutex`](super::raw::mutex::RawMutex).

use super::poison::{Flag, LockResult, TryLockError, TryLockResult};
use super::raw::mutex::{Acquired, RawMutex};
use core::cell::UnsafeCell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::panic::{RefUnwindSafe, UnwindSafe};

/// A mutual exclusion lock protecting a `T`, with the API of `std::sync::Mutex`.
///
/// Uncontended `lock`/`unlock` is one atomic compare-exchange and one swap inside the guest;
/// only a thread that must wait calls the runtime API (`wait32`/`wake`).
///
/// # Examples
/// ```
/// use wthreads::sync::Mutex;
/// use wthreads::thread;
/// use std::sync::Arc;
///
/// let counter = Arc::new(Mutex::new(0u64));
/// let handles: Vec<_> = (0..4)
///     .map(|_| {
///         let c = Arc::clone(&counter);
///         thread::spawn(move || *c.lock().unwrap() += 1)
///     })
///     .collect();
/// for h in handles {
///     h.join().unwrap();
/// }
/// assert_eq!(*counter.lock().unwrap(), 4);
/// ```
#[repr(C)] // `raw` first: lock events name the mutex by its address.
pub struct Mutex<T: ?Sized> {
    pub(super) raw: RawMutex,
    pub(super) poison: Flag,
    pub(super) data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `data` to one thread at a time, so sharing it only
// needs `T: Send` (exactly std's bounds).
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: `&Mutex<T>` gives exclusive access to `T` only under the lock, one thread at a time,
// so sharing it needs `T: Send` and not `T: Sync` (std's bounds).
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// A panic while the data is half-changed is what poisoning reports, as in std.
impl<T: ?Sized> UnwindSafe for Mutex<T> {}
impl<T: ?Sized> RefUnwindSafe for Mutex<T> {}

/// RAII guard of a locked [`Mutex`]; unlocks when dropped.
///
/// # Examples
/// ```
/// let m = wthreads::sync::Mutex::new(1);
/// {
///     let mut guard = m.lock().unwrap();
///     *guard += 1;
/// } // unlocked here
/// assert_eq!(*m.lock().unwrap(), 2);
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized + 'a> {
    pub(super) lock: &'a Mutex<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: a shared guard only gives `&T`, so it is `Sync` when `T` is.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

super::shell::poisoning_lock_shell!(Mutex, RawMutex, "wthreads::sync::Mutex", read: lock, try_lock, write: lock);

impl<T: ?Sized> Mutex<T> {
    /// Acquires the mutex, blocking the current thread until it can.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard if a thread panicked while holding the lock.
    ///
    /// # Examples
    /// ```
    /// let m = wthreads::sync::Mutex::new(0);
    /// *m.lock().unwrap() = 10;
    /// assert_eq!(*m.lock().unwrap(), 10);
    /// ```
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        self.lock_raw();
        self.poison.result(MutexGuard { lock: self, _not_send: PhantomData })
    }

    /// Takes the lock for the calling thread; a lock left by a thread that died in a panic is
    /// taken over and marked poisoned.
    #[inline]
    pub(crate) fn lock_raw(&self) {
        if self.raw.lock_as(crate::tcb::current_owner()) == Acquired::FromDeadOwner {
            self.poison.set();
        }
    }

    /// Releases the lock of a guard that was forgotten, for `Condvar::wait`.
    ///
    /// # Safety
    /// The calling thread holds the lock and no guard of it is alive.
    pub(crate) unsafe fn unlock_raw(&self) {
        // SAFETY: per the contract, this thread holds the lock.
        unsafe { self.raw.unlock() }
    }

    /// Acquires the mutex if it is free, without blocking.
    ///
    /// # Errors
    /// `WouldBlock` if another thread holds it; `Poisoned` if it is poisoned.
    ///
    /// # Examples
    /// ```
    /// let m = wthreads::sync::Mutex::new(0);
    /// let g = m.lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(g);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        match self.raw.try_lock_as(crate::tcb::current_owner()) {
            Some(how) => {
                if how == Acquired::FromDeadOwner {
                    self.poison.set();
                }
                Ok(self.poison.result(MutexGuard { lock: self, _not_send: PhantomData })?)
            }
            None => Err(TryLockError::WouldBlock),
        }
    }

    pub(crate) fn poison_flag(&self) -> &Flag {
        &self.poison
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves this thread holds the lock.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves this thread holds the lock, and `&mut self` makes the
        // access exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.poison.set_if_panicking();
        // SAFETY: the guard exists only while this thread holds the lock.
        unsafe { self.lock.raw.unlock() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
