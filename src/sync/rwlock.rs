//! `RwLock` with std's API, over the futex [`RawRwLock`].

use super::poison::{Flag, LockResult, TryLockError, TryLockResult};
use super::raw::rwlock::RawRwLock;
use crate::runtime::death;
use core::cell::UnsafeCell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::ptr::NonNull;

/// A reader-writer lock protecting a `T`, with the API of `std::sync::RwLock`.
///
/// Any number of readers or one writer hold it at a time. **Writers are preferred**: once a
/// writer waits, new readers wait behind it, so a steady stream of readers cannot starve
/// writers (a reader that already holds the lock must not take it again, or it can deadlock
/// against a waiting writer, as with std on most platforms). Waiting threads block through
/// the runtime API; only a bounded spin precedes it. A write lock held by a thread that ended
/// in a panic is released by the next waiter and the lock reported as poisoned.
///
/// # Examples
/// ```
/// use wthreads::sync::RwLock;
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().unwrap();
///     let r2 = lock.read().unwrap();
///     assert_eq!(*r1 + *r2, 10);
/// }
/// *lock.write().unwrap() += 1;
/// assert_eq!(*lock.read().unwrap(), 6);
/// ```
#[repr(C)] // `raw` first: lock events name the lock by its address.
pub struct RwLock<T: ?Sized> {
    pub(super) raw: RawRwLock,
    pub(super) poison: Flag,
    pub(super) data: UnsafeCell<T>,
}

// SAFETY: sending the lock sends the `T` (needs `T: Send`).
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: readers share `&T` across threads (needs `T: Sync`) and a writer gets `&mut T` on
// any thread (needs `T: Send`), std's bounds.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}
// A panic while the data is half-changed is what poisoning reports, as in std.
impl<T: ?Sized> UnwindSafe for RwLock<T> {}
impl<T: ?Sized> RefUnwindSafe for RwLock<T> {}

/// RAII shared access to an [`RwLock`]; releases the read lock when dropped.
///
/// # Examples
/// ```
/// let l = wthreads::sync::RwLock::new(1);
/// let (a, b) = (l.read().unwrap(), l.read().unwrap());
/// assert_eq!(*a + *b, 2);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    /// The data, as a pointer rather than through the lock so that the guard is covariant in
    /// `T` as std's is (a shared borrow of the data is all it gives).
    pub(super) data: NonNull<T>,
    pub(super) raw: &'a RawRwLock,
    /// Where this thread noted the read lock.
    pub(super) slot: u8,
    _not_send: PhantomData<*const ()>,
}

/// RAII exclusive access to an [`RwLock`]; releases the write lock when dropped.
///
/// # Examples
/// ```
/// let l = wthreads::sync::RwLock::new(1);
/// *l.write().unwrap() += 1;
/// assert_eq!(*l.read().unwrap(), 2);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    pub(super) lock: &'a RwLock<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: a shared guard only gives `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: a shared write guard only gives `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, T> {}

super::shell::poisoning_lock_shell!(RwLock, RawRwLock, "wthreads::sync::RwLock", read: read, try_read, write: write);

impl<T: ?Sized> RwLock<T> {
    /// The guard of a read lock this thread has just taken, which it notes (so that a writer
    /// can release it if this thread dies holding it).
    #[inline]
    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        let slot = crate::tcb::note_read(self.raw.note());
        // SAFETY: `UnsafeCell::get` never returns null.
        let data = unsafe { NonNull::new_unchecked(self.data.get()) };
        RwLockReadGuard { data, raw: &self.raw, slot, _not_send: PhantomData }
    }

    /// Takes a shared read lock, blocking while a writer holds or waits for it.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard if the lock is poisoned.
    ///
    /// # Panics
    /// If the lock already has 2^30 − 2 readers.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::RwLock::new(1);
    /// assert_eq!(*l.read().unwrap(), 1);
    /// ```
    #[inline]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        if self.raw.read() {
            self.poison.set();
        }
        self.poison.result(self.read_guard())
    }

    /// Takes a read lock if that is possible without blocking.
    ///
    /// # Errors
    /// `WouldBlock` if a writer holds or waits for the lock; `Poisoned` if it is poisoned.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::RwLock::new(1);
    /// let _w = l.write().unwrap();
    /// assert!(l.try_read().is_err());
    /// ```
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        if self.raw.try_read() || (self.recover_dead() && self.raw.try_read()) {
            Ok(self.poison.result(self.read_guard())?)
        } else {
            Err(TryLockError::WouldBlock)
        }
    }

    /// Takes the exclusive write lock, blocking while anyone else holds the lock.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard if the lock is poisoned.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::RwLock::new(1);
    /// *l.write().unwrap() = 2;
    /// ```
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        if self.raw.write(crate::tcb::current_owner()) {
            self.poison.set();
        }
        self.poison.result(RwLockWriteGuard { lock: self, _not_send: PhantomData })
    }

    /// Takes the write lock if that is possible without blocking.
    ///
    /// # Errors
    /// `WouldBlock` if the lock is held; `Poisoned` if it is poisoned.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::RwLock::new(1);
    /// let _r = l.read().unwrap();
    /// assert!(l.try_write().is_err());
    /// ```
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let me = crate::tcb::current_owner();
        if self.raw.try_write(me) || (self.recover_dead() && self.raw.try_write(me)) {
            Ok(self.poison.result(RwLockWriteGuard { lock: self, _not_send: PhantomData })?)
        } else {
            Err(TryLockError::WouldBlock)
        }
    }

    /// Releases what threads that died hold of the lock (poisoning it for a writer); returns
    /// whether a thread had died at all, i.e. whether trying again may succeed.
    fn recover_dead(&self) -> bool {
        if !death::any_dead() {
            return false;
        }
        if self.raw.recover_dead() {
            self.poison.set();
        }
        true
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `data` points into the lock, and the guard proves a read lock is held, so no
        // writer exists.
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the write lock is held.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the write lock is held and `&mut self` makes the access exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard exists only while this thread holds a read lock.
        unsafe { self.raw.read_unlock(self.slot) }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns the write lock into a read lock without letting a writer in between: the data
    /// this thread wrote is what it (and the readers this lets in) read next.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{RwLock, RwLockWriteGuard};
    /// let l = RwLock::new(1);
    /// let mut w = l.write().unwrap();
    /// *w = 2;
    /// let r = RwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// assert!(l.try_read().is_ok() && l.try_write().is_err());
    /// ```
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, T> {
        let lock = s.lock;
        // The write guard's drop would release the lock: the read guard takes over instead.
        core::mem::forget(s);
        // SAFETY: the guard proved this thread holds the write lock.
        unsafe { lock.raw.downgrade() };
        lock.read_guard()
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.poison.set_if_panicking();
        // SAFETY: the guard exists only while this thread holds the write lock.
        unsafe { self.lock.raw.write_unlock() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
