//! Poisoning, with std's types: `LockResult`, `PoisonError`, `TryLockError`.

use crate::atomic::{AtomicBool, Ordering};
use core::fmt;

/// A lock was poisoned: a thread panicked while holding it. Carries the guard anyway.
///
/// # Examples
/// ```
/// let m = wthreads::sync::Mutex::new(1);
/// let value = match m.lock() {
///     Ok(g) => *g,
///     Err(poisoned) => *poisoned.into_inner(), // use the data anyway
/// };
/// assert_eq!(value, 1);
/// ```
pub struct PoisonError<T> {
    data: T,
}

impl<T> PoisonError<T> {
    /// Wraps `data` (usually a guard) in a poison error.
    ///
    /// # Examples
    /// ```
    /// let e = wthreads::sync::PoisonError::new(5);
    /// assert_eq!(e.into_inner(), 5);
    /// ```
    pub fn new(data: T) -> PoisonError<T> {
        PoisonError { data }
    }
    /// Returns the guard, ignoring the poison.
    ///
    /// # Examples
    /// ```
    /// let e = wthreads::sync::PoisonError::new(5);
    /// assert_eq!(e.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.data
    }
    /// A reference to the guard.
    ///
    /// # Examples
    /// ```
    /// let e = wthreads::sync::PoisonError::new(5);
    /// assert_eq!(*e.get_ref(), 5);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.data
    }
    /// A mutable reference to the guard.
    ///
    /// # Examples
    /// ```
    /// let mut e = wthreads::sync::PoisonError::new(5);
    /// *e.get_mut() += 1;
    /// assert_eq!(e.into_inner(), 6);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<T> fmt::Debug for PoisonError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoisonError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for PoisonError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("poisoned lock: another task failed inside")
    }
}

impl<T> core::error::Error for PoisonError<T> {}

/// Why a `try_lock` failed.
///
/// # Examples
/// ```
/// use wthreads::sync::{Mutex, TryLockError};
/// let m = Mutex::new(0);
/// let _g = m.lock().unwrap();
/// assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
/// ```
pub enum TryLockError<T> {
    /// The lock is poisoned; the guard is inside.
    Poisoned(PoisonError<T>),
    /// The lock is held by someone else.
    WouldBlock,
}

impl<T> From<PoisonError<T>> for TryLockError<T> {
    fn from(err: PoisonError<T>) -> TryLockError<T> {
        TryLockError::Poisoned(err)
    }
}

impl<T> fmt::Debug for TryLockError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryLockError::Poisoned(..) => f.write_str("Poisoned(..)"),
            TryLockError::WouldBlock => f.write_str("WouldBlock"),
        }
    }
}

impl<T> fmt::Display for TryLockError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryLockError::Poisoned(p) => fmt::Display::fmt(p, f),
            TryLockError::WouldBlock => f.write_str("try_lock failed because the operation would block"),
        }
    }
}

impl<T> core::error::Error for TryLockError<T> {}

/// The result of a blocking lock: the guard, or the guard wrapped in `PoisonError`.
///
/// # Examples
/// ```
/// let m = wthreads::sync::Mutex::new(0);
/// let r: wthreads::sync::LockResult<_> = m.lock();
/// assert!(r.is_ok());
/// ```
pub type LockResult<T> = Result<T, PoisonError<T>>;

/// The result of a non-blocking lock.
///
/// # Examples
/// ```
/// let m = wthreads::sync::Mutex::new(0);
/// let r: wthreads::sync::TryLockResult<_> = m.try_lock();
/// assert!(r.is_ok());
/// ```
pub type TryLockResult<T> = Result<T, TryLockError<T>>;

/// The poison flag of one lock.
pub(crate) struct Flag {
    failed: AtomicBool,
}

impl Flag {
    crate::atomic::const_unless_loom! {
        pub(crate) fn new() -> Flag {
            Flag { failed: AtomicBool::new(false) }
        }
    }

    // Relaxed: the flag is advisory and read while holding the lock, which orders it.
    #[inline]
    pub(crate) fn get(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn set(&self) {
        self.failed.store(true, Ordering::Relaxed);
    }

    /// Marks the lock poisoned if its guard is dropped by a panicking thread, as std does.
    #[inline]
    pub(crate) fn set_if_panicking(&self) {
        if crate::runtime::current::panicking() {
            self.set();
        }
    }

    pub(crate) fn clear(&self) {
        self.failed.store(false, Ordering::Relaxed);
    }

    /// Wraps `guard` in `Err` if the flag is set.
    #[inline]
    pub(crate) fn result<G>(&self, guard: G) -> LockResult<G> {
        if self.get() { Err(PoisonError::new(guard)) } else { Ok(guard) }
    }
}
