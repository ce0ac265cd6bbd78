//! `nonpoison::RwLock`: the poisoning [`RwLock`](crate::sync::RwLock) with its flag ignored.

use super::{TryLockResult, ignore_poison, ignore_try_poison};
use crate::sync as poisoning;
use core::fmt;

/// A reader-writer lock without poisoning, with the API of std's (nightly)
/// `nonpoison::RwLock`; writer-preferring, as [`crate::sync::RwLock`].
///
/// # Examples
/// ```
/// let l = wthreads::sync::nonpoison::RwLock::new(1);
/// *l.write() += 1;
/// assert_eq!(*l.read(), 2);
/// ```
#[derive(Default)]
pub struct RwLock<T: ?Sized> {
    inner: poisoning::RwLock<T>,
}

/// RAII shared access to an [`RwLock`].
///
/// # Examples
/// ```
/// let l = wthreads::sync::nonpoison::RwLock::new(1);
/// assert_eq!(*l.read(), 1);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    inner: poisoning::RwLockReadGuard<'a, T>,
}

/// RAII exclusive access to an [`RwLock`].
///
/// # Examples
/// ```
/// let l = wthreads::sync::nonpoison::RwLock::new(1);
/// *l.write() = 2;
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    inner: poisoning::RwLockWriteGuard<'a, T>,
}

/// A read-locked [`RwLock`] seen through a part of its data.
///
/// # Examples
/// ```
/// use wthreads::sync::nonpoison::{RwLock, RwLockReadGuard};
/// let l = RwLock::new((1, 2));
/// assert_eq!(*RwLockReadGuard::map(l.read(), |p| &p.1), 2);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct MappedRwLockReadGuard<'a, T: ?Sized + 'a> {
    inner: poisoning::MappedRwLockReadGuard<'a, T>,
}

/// A write-locked [`RwLock`] seen through a part of its data.
///
/// # Examples
/// ```
/// use wthreads::sync::nonpoison::{RwLock, RwLockWriteGuard};
/// let l = RwLock::new((1, 2));
/// *RwLockWriteGuard::map(l.write(), |p| &mut p.0) = 5;
/// assert_eq!(*l.read(), (5, 2));
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct MappedRwLockWriteGuard<'a, T: ?Sized + 'a> {
    inner: poisoning::MappedRwLockWriteGuard<'a, T>,
}

impl<T> RwLock<T> {
    crate::atomic::const_unless_loom! {
        /// Creates an unlocked lock holding `t`.
        ///
        /// # Examples
        /// ```
        /// static L: wthreads::sync::nonpoison::RwLock<u32> = wthreads::sync::nonpoison::RwLock::new(0);
        /// ```
        pub fn new(t: T) -> RwLock<T> {
            RwLock { inner: poisoning::RwLock::new(t) }
        }
    }

    /// A clone of the value, taken under a read lock.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(wthreads::sync::nonpoison::RwLock::new(3).get_cloned(), 3);
    /// ```
    pub fn get_cloned(&self) -> T
    where
        T: Clone,
    {
        self.read().clone()
    }

    /// Stores `value` under the write lock; the old value is dropped after the unlock.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::nonpoison::RwLock::new(1);
    /// l.set(2);
    /// assert_eq!(l.get_cloned(), 2);
    /// ```
    pub fn set(&self, value: T) {
        drop(self.replace(value));
    }

    /// Stores `value` under the write lock and returns the old value.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(wthreads::sync::nonpoison::RwLock::new(1).replace(2), 1);
    /// ```
    pub fn replace(&self, value: T) -> T {
        core::mem::replace(&mut *self.write(), value)
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(wthreads::sync::nonpoison::RwLock::new(4).into_inner(), 4);
    /// ```
    pub fn into_inner(self) -> T {
        ignore_poison(self.inner.into_inner())
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Takes a shared read lock, blocking while a writer holds or waits for it.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::nonpoison::RwLock::new(1);
    /// assert_eq!(*l.read(), 1);
    /// ```
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard { inner: ignore_poison(self.inner.read()) }
    }

    /// Takes a read lock if that is possible without blocking.
    ///
    /// # Errors
    /// [`WouldBlock`](super::WouldBlock) if a writer holds or waits for the lock.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::nonpoison::RwLock::new(1);
    /// assert!(l.try_read().is_ok());
    /// ```
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        ignore_try_poison(self.inner.try_read()).map(|inner| RwLockReadGuard { inner })
    }

    /// Takes the exclusive write lock, blocking while anyone else holds the lock.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::nonpoison::RwLock::new(1);
    /// *l.write() = 2;
    /// ```
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard { inner: ignore_poison(self.inner.write()) }
    }

    /// Takes the write lock if that is possible without blocking.
    ///
    /// # Errors
    /// [`WouldBlock`](super::WouldBlock) if the lock is held.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::nonpoison::RwLock::new(1);
    /// let _r = l.read();
    /// assert!(l.try_write().is_err());
    /// ```
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        ignore_try_poison(self.inner.try_write()).map(|inner| RwLockWriteGuard { inner })
    }

    /// Mutable access without locking: the borrow checker proves exclusivity.
    ///
    /// # Examples
    /// ```
    /// let mut l = wthreads::sync::nonpoison::RwLock::new(0);
    /// *l.get_mut() = 1;
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        ignore_poison(self.inner.get_mut())
    }

    /// A raw pointer to the data; using it is up to the caller's own synchronisation.
    ///
    /// # Examples
    /// ```
    /// assert!(!wthreads::sync::nonpoison::RwLock::new(0).data_ptr().is_null());
    /// ```
    pub fn data_ptr(&self) -> *mut T {
        self.inner.data.get()
    }

    /// Runs `f` on the data under a read lock.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::nonpoison::RwLock::new(2);
    /// assert_eq!(l.with(|v| *v * 2), 4);
    /// ```
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        f(&self.read())
    }

    /// Runs `f` on the data under the write lock.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::nonpoison::RwLock::new(2);
    /// l.with_mut(|v| *v += 1);
    /// assert_eq!(l.get_cloned(), 3);
    /// ```
    pub fn with_mut<F, R>(&self, f: F) -> R
    where
        F: FnOnce(&mut T) -> R,
    {
        f(&mut self.write())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(t: T) -> RwLock<T> {
        RwLock::new(t)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to the part of the data `f` returns; the read lock stays held.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{RwLock, RwLockReadGuard};
    /// let l = RwLock::new([1, 2]);
    /// assert_eq!(*RwLockReadGuard::map(l.read(), |a| &a[1]), 2);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&T) -> &U>(orig: Self, f: F) -> MappedRwLockReadGuard<'a, U> {
        MappedRwLockReadGuard { inner: poisoning::RwLockReadGuard::map(orig.inner, f) }
    }

    /// As [`map`](RwLockReadGuard::map) if `f` returns `Some`; else gives the guard back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{RwLock, RwLockReadGuard};
    /// let l = RwLock::new(vec![1]);
    /// assert!(RwLockReadGuard::filter_map(l.read(), |v| v.get(2)).is_err());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedRwLockReadGuard<'a, U>, Self> {
        poisoning::RwLockReadGuard::filter_map(orig.inner, f)
            .map(|inner| MappedRwLockReadGuard { inner })
            .map_err(|inner| RwLockReadGuard { inner })
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns the write lock into a read lock without letting a writer in between.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{RwLock, RwLockWriteGuard};
    /// let l = RwLock::new(1);
    /// let mut w = l.write();
    /// *w = 2;
    /// assert_eq!(*RwLockWriteGuard::downgrade(w), 2);
    /// ```
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard { inner: poisoning::RwLockWriteGuard::downgrade(s.inner) }
    }

    /// Narrows the guard to the part of the data `f` returns; the write lock stays held.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{RwLock, RwLockWriteGuard};
    /// let l = RwLock::new([1, 2]);
    /// *RwLockWriteGuard::map(l.write(), |a| &mut a[0]) = 3;
    /// assert_eq!(*l.read(), [3, 2]);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(orig: Self, f: F) -> MappedRwLockWriteGuard<'a, U> {
        MappedRwLockWriteGuard { inner: poisoning::RwLockWriteGuard::map(orig.inner, f) }
    }

    /// As [`map`](RwLockWriteGuard::map) if `f` returns `Some`; else gives the guard back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{RwLock, RwLockWriteGuard};
    /// let l = RwLock::new(vec![1]);
    /// assert!(RwLockWriteGuard::filter_map(l.write(), |v| v.get_mut(0)).is_ok());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedRwLockWriteGuard<'a, U>, Self> {
        poisoning::RwLockWriteGuard::filter_map(orig.inner, f)
            .map(|inner| MappedRwLockWriteGuard { inner })
            .map_err(|inner| RwLockWriteGuard { inner })
    }
}

impl<'a, T: ?Sized> MappedRwLockReadGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
    /// let l = RwLock::new(((1, 2), 3));
    /// let g = RwLockReadGuard::map(l.read(), |t| &t.0);
    /// assert_eq!(*MappedRwLockReadGuard::map(g, |p| &p.1), 2);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&T) -> &U>(orig: Self, f: F) -> MappedRwLockReadGuard<'a, U> {
        MappedRwLockReadGuard { inner: poisoning::MappedRwLockReadGuard::map(orig.inner, f) }
    }

    /// As [`map`](MappedRwLockReadGuard::map) if `f` returns `Some`; else gives it back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
    /// let l = RwLock::new((vec![1], 0));
    /// let g = RwLockReadGuard::map(l.read(), |t| &t.0);
    /// assert!(MappedRwLockReadGuard::filter_map(g, |v| v.first()).is_ok());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedRwLockReadGuard<'a, U>, Self> {
        poisoning::MappedRwLockReadGuard::filter_map(orig.inner, f)
            .map(|inner| MappedRwLockReadGuard { inner })
            .map_err(|inner| MappedRwLockReadGuard { inner })
    }
}

impl<'a, T: ?Sized> MappedRwLockWriteGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
    /// let l = RwLock::new(((1, 2), 3));
    /// let g = RwLockWriteGuard::map(l.write(), |t| &mut t.0);
    /// *MappedRwLockWriteGuard::map(g, |p| &mut p.1) = 7;
    /// assert_eq!(l.read().0.1, 7);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(orig: Self, f: F) -> MappedRwLockWriteGuard<'a, U> {
        MappedRwLockWriteGuard { inner: poisoning::MappedRwLockWriteGuard::map(orig.inner, f) }
    }

    /// As [`map`](MappedRwLockWriteGuard::map) if `f` returns `Some`; else gives it back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
    /// let l = RwLock::new((vec![1], 0));
    /// let g = RwLockWriteGuard::map(l.write(), |t| &mut t.0);
    /// assert!(MappedRwLockWriteGuard::filter_map(g, |v| v.get_mut(4)).is_err());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedRwLockWriteGuard<'a, U>, Self> {
        poisoning::MappedRwLockWriteGuard::filter_map(orig.inner, f)
            .map(|inner| MappedRwLockWriteGuard { inner })
            .map_err(|inner| MappedRwLockWriteGuard { inner })
    }
}

super::forward_guard!(
    RwLockReadGuard(),
    RwLockWriteGuard(mut),
    MappedRwLockReadGuard(),
    MappedRwLockWriteGuard(mut)
);
