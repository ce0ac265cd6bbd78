//! Locks without poisoning, with the API of std's (nightly) `std::sync::nonpoison`, on stable:
//! `lock()` returns the guard itself. A thread that dies holding one of these locks leaves it to
//! the next thread that wants it, without a report (the data may be half-changed).
//!
//! # Examples
//! ```
//! use wthreads::sync::nonpoison::{Condvar, Mutex};
//! let ready = Mutex::new(false);
//! let cv = Condvar::new();
//! *ready.lock() = true;
//! let mut g = ready.lock();
//! cv.wait_while(&mut g, |r| !*r);
//! assert!(*g);
//! ```

use core::fmt;

mod condvar;
mod mutex;
mod rwlock;

pub use condvar::Condvar;
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard};
pub use rwlock::{MappedRwLockReadGuard, MappedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The result of a non-blocking lock of a lock without poisoning.
///
/// # Examples
/// ```
/// let m = wthreads::sync::nonpoison::Mutex::new(0);
/// let r: wthreads::sync::nonpoison::TryLockResult<_> = m.try_lock();
/// assert!(r.is_ok());
/// ```
pub type TryLockResult<Guard> = Result<Guard, WouldBlock>;

/// A `try_lock` failed because another thread holds the lock.
///
/// # Examples
/// ```
/// let m = wthreads::sync::nonpoison::Mutex::new(0);
/// let _g = m.lock();
/// assert!(m.try_lock().is_err());
/// ```
pub struct WouldBlock;

impl fmt::Debug for WouldBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WouldBlock")
    }
}

impl fmt::Display for WouldBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("try_lock failed because the operation would block")
    }
}

impl core::error::Error for WouldBlock {}

/// `Deref` (and `DerefMut` for `(mut)`), `Debug` and `Display` of guards that wrap a poisoning
/// lock's guard in their field `inner`.
macro_rules! forward_guard {
    ($($guard:ident($($mut:ident)?)),*) => {$(
        impl<T: ?Sized> core::ops::Deref for $guard<'_, T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.inner
            }
        }
        $(super::forward_guard!(@$mut $guard);)?
        impl<T: ?Sized + core::fmt::Debug> core::fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(&**self, f)
            }
        }
        impl<T: ?Sized + core::fmt::Display> core::fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Display::fmt(&**self, f)
            }
        }
    )*};
    (@mut $guard:ident) => {
        impl<T: ?Sized> core::ops::DerefMut for $guard<'_, T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.inner
            }
        }
    };
}
use forward_guard;

/// The guard inside a poisoning lock's result, poisoned or not: these locks ignore the flag.
fn ignore_poison<G>(r: crate::sync::LockResult<G>) -> G {
    r.unwrap_or_else(crate::sync::PoisonError::into_inner)
}

/// As [`ignore_poison`] for a non-blocking lock.
fn ignore_try_poison<G>(r: crate::sync::TryLockResult<G>) -> TryLockResult<G> {
    match r {
        Ok(g) => Ok(g),
        Err(crate::sync::TryLockError::Poisoned(p)) => Ok(p.into_inner()),
        Err(crate::sync::TryLockError::WouldBlock) => Err(WouldBlock),
    }
}
