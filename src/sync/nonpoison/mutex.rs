//! `nonpoison::Mutex`: the poisoning [`Mutex`](crate::sync::Mutex) with its flag ignored.

use super::{TryLockResult, ignore_poison, ignore_try_poison};
use crate::sync as poisoning;
use core::fmt;

/// A mutual exclusion lock without poisoning, with the API of std's (nightly)
/// `nonpoison::Mutex`.
///
/// # Examples
/// ```
/// let m = wthreads::sync::nonpoison::Mutex::new(1);
/// *m.lock() += 1;
/// assert_eq!(m.get_cloned(), 2);
/// ```
#[derive(Default)]
pub struct Mutex<T: ?Sized> {
    inner: poisoning::Mutex<T>,
}

/// RAII guard of a locked [`Mutex`]; unlocks when dropped.
///
/// # Examples
/// ```
/// let m = wthreads::sync::nonpoison::Mutex::new(1);
/// let g: wthreads::sync::nonpoison::MutexGuard<'_, i32> = m.lock();
/// assert_eq!(*g, 1);
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized + 'a> {
    pub(super) inner: poisoning::MutexGuard<'a, T>,
}

/// A locked [`Mutex`] seen through a part of its data.
///
/// # Examples
/// ```
/// use wthreads::sync::nonpoison::{Mutex, MutexGuard};
/// let m = Mutex::new((1, 2));
/// assert_eq!(*MutexGuard::map(m.lock(), |p| &mut p.1), 2);
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized + 'a> {
    inner: poisoning::MappedMutexGuard<'a, T>,
}

impl<T> Mutex<T> {
    crate::atomic::const_unless_loom! {
        /// Creates an unlocked mutex holding `t`.
        ///
        /// # Examples
        /// ```
        /// static M: wthreads::sync::nonpoison::Mutex<u32> = wthreads::sync::nonpoison::Mutex::new(0);
        /// ```
        pub fn new(t: T) -> Mutex<T> {
            Mutex { inner: poisoning::Mutex::new(t) }
        }
    }

    /// A clone of the value, taken under the lock.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(wthreads::sync::nonpoison::Mutex::new(3).get_cloned(), 3);
    /// ```
    pub fn get_cloned(&self) -> T
    where
        T: Clone,
    {
        self.lock().clone()
    }

    /// Stores `value` under the lock; the old value is dropped after the unlock.
    ///
    /// # Examples
    /// ```
    /// let m = wthreads::sync::nonpoison::Mutex::new(1);
    /// m.set(2);
    /// assert_eq!(m.get_cloned(), 2);
    /// ```
    pub fn set(&self, value: T) {
        drop(self.replace(value));
    }

    /// Stores `value` under the lock and returns the old value.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(wthreads::sync::nonpoison::Mutex::new(1).replace(2), 1);
    /// ```
    pub fn replace(&self, value: T) -> T {
        core::mem::replace(&mut *self.lock(), value)
    }

    /// Consumes the mutex and returns the value.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(wthreads::sync::nonpoison::Mutex::new(4).into_inner(), 4);
    /// ```
    pub fn into_inner(self) -> T {
        ignore_poison(self.inner.into_inner())
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Acquires the mutex, blocking the current thread until it can.
    ///
    /// # Examples
    /// ```
    /// let m = wthreads::sync::nonpoison::Mutex::new(0);
    /// *m.lock() = 5;
    /// ```
    pub fn lock(&self) -> MutexGuard<'_, T> {
        MutexGuard { inner: ignore_poison(self.inner.lock()) }
    }

    /// Acquires the mutex if it is free, without blocking.
    ///
    /// # Errors
    /// [`WouldBlock`](super::WouldBlock) if another thread holds it.
    ///
    /// # Examples
    /// ```
    /// let m = wthreads::sync::nonpoison::Mutex::new(0);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        ignore_try_poison(self.inner.try_lock()).map(|inner| MutexGuard { inner })
    }

    /// Mutable access without locking: the borrow checker proves exclusivity.
    ///
    /// # Examples
    /// ```
    /// let mut m = wthreads::sync::nonpoison::Mutex::new(0);
    /// *m.get_mut() = 1;
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        ignore_poison(self.inner.get_mut())
    }

    /// A raw pointer to the data; using it is up to the caller's own synchronisation.
    ///
    /// # Examples
    /// ```
    /// let m = wthreads::sync::nonpoison::Mutex::new(0);
    /// assert!(!m.data_ptr().is_null());
    /// ```
    pub fn data_ptr(&self) -> *mut T {
        self.inner.data.get()
    }

    /// Runs `f` on the data under the lock.
    ///
    /// # Examples
    /// ```
    /// let m = wthreads::sync::nonpoison::Mutex::new(1);
    /// assert_eq!(m.with_mut(|v| { *v += 1; *v }), 2);
    /// ```
    pub fn with_mut<F, R>(&self, f: F) -> R
    where
        F: FnOnce(&mut T) -> R,
    {
        f(&mut self.lock())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(t: T) -> Mutex<T> {
        Mutex::new(t)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to the part of the data `f` returns; the mutex stays locked.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{Mutex, MutexGuard};
    /// let m = Mutex::new([1, 2]);
    /// *MutexGuard::map(m.lock(), |a| &mut a[0]) = 9;
    /// assert_eq!(*m.lock(), [9, 2]);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(orig: Self, f: F) -> MappedMutexGuard<'a, U> {
        MappedMutexGuard { inner: poisoning::MutexGuard::map(orig.inner, f) }
    }

    /// As [`map`](MutexGuard::map) if `f` returns `Some`; else gives the guard back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{Mutex, MutexGuard};
    /// let m = Mutex::new(vec![1]);
    /// assert!(MutexGuard::filter_map(m.lock(), |v| v.get_mut(3)).is_err());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        poisoning::MutexGuard::filter_map(orig.inner, f)
            .map(|inner| MappedMutexGuard { inner })
            .map_err(|inner| MutexGuard { inner })
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{MappedMutexGuard, Mutex, MutexGuard};
    /// let m = Mutex::new(((1, 2), 3));
    /// let g = MutexGuard::map(m.lock(), |t| &mut t.0);
    /// assert_eq!(*MappedMutexGuard::map(g, |p| &mut p.0), 1);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(orig: Self, f: F) -> MappedMutexGuard<'a, U> {
        MappedMutexGuard { inner: poisoning::MappedMutexGuard::map(orig.inner, f) }
    }

    /// As [`map`](MappedMutexGuard::map) if `f` returns `Some`; else gives the guard back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{MappedMutexGuard, Mutex, MutexGuard};
    /// let m = Mutex::new((vec![1], 0));
    /// let g = MutexGuard::map(m.lock(), |t| &mut t.0);
    /// assert!(MappedMutexGuard::filter_map(g, |v| v.get_mut(0)).is_ok());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        poisoning::MappedMutexGuard::filter_map(orig.inner, f)
            .map(|inner| MappedMutexGuard { inner })
            .map_err(|inner| MappedMutexGuard { inner })
    }
}

super::forward_guard!(MutexGuard(mut), MappedMutexGuard(mut));
