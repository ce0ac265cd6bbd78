//! Guards narrowed to a part of the locked data (`MutexGuard::map` and friends), with the API
//! of std's (nightly) mapped guards: the lock stays held until the mapped guard is dropped.

use super::mutex::MutexGuard;
use super::poison::Flag;
use super::raw::mutex::RawMutex;
use super::raw::rwlock::RawRwLock;
use super::rwlock::{RwLockReadGuard, RwLockWriteGuard};
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

/// A locked [`Mutex`](super::Mutex) seen through a part of its data; unlocks when dropped.
///
/// # Examples
/// ```
/// use wthreads::sync::{Mutex, MutexGuard};
/// let m = Mutex::new((1, 2));
/// let mut second = MutexGuard::map(m.lock().unwrap(), |pair| &mut pair.1);
/// *second += 1;
/// drop(second);
/// assert_eq!(*m.lock().unwrap(), (1, 3));
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized + 'a> {
    data: NonNull<T>,
    raw: &'a RawMutex,
    poison: &'a Flag,
    /// Invariant in `T`, as a `&mut T` is; not `Send`, as the lock must be released where taken.
    _marker: PhantomData<(&'a mut T, *const ())>,
}

/// A read-locked [`RwLock`](super::RwLock) seen through a part of its data.
///
/// # Examples
/// ```
/// use wthreads::sync::{RwLock, RwLockReadGuard};
/// let l = RwLock::new((1, 2));
/// let first = RwLockReadGuard::map(l.read().unwrap(), |pair| &pair.0);
/// assert_eq!(*first, 1);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct MappedRwLockReadGuard<'a, T: ?Sized + 'a> {
    data: NonNull<T>,
    raw: &'a RawRwLock,
    /// Where this thread noted the read lock (from the guard it came from).
    slot: u8,
    _not_send: PhantomData<*const ()>,
}

/// A write-locked [`RwLock`](super::RwLock) seen through a part of its data.
///
/// # Examples
/// ```
/// use wthreads::sync::{RwLock, RwLockWriteGuard};
/// let l = RwLock::new(vec![1, 2]);
/// *RwLockWriteGuard::map(l.write().unwrap(), |v| &mut v[0]) = 5;
/// assert_eq!(*l.read().unwrap(), [5, 2]);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct MappedRwLockWriteGuard<'a, T: ?Sized + 'a> {
    data: NonNull<T>,
    raw: &'a RawRwLock,
    poison: &'a Flag,
    /// As in `MappedMutexGuard`.
    _marker: PhantomData<(&'a mut T, *const ())>,
}

// SAFETY: a shared mapped guard only gives `&T`, so it is `Sync` when `T` is (std's bounds).
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}
// SAFETY: a shared mapped read guard only gives `&T`, so it is `Sync` when `T` is.
unsafe impl<T: ?Sized + Sync> Sync for MappedRwLockReadGuard<'_, T> {}
// SAFETY: a shared mapped write guard only gives `&T`, so it is `Sync` when `T` is.
unsafe impl<T: ?Sized + Sync> Sync for MappedRwLockWriteGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to the part of the data `f` returns; the mutex stays locked.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{Mutex, MutexGuard};
    /// let m = Mutex::new([0u8; 4]);
    /// *MutexGuard::map(m.lock().unwrap(), |a| &mut a[2]) = 7;
    /// assert_eq!(m.lock().unwrap()[2], 7);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(orig: Self, f: F) -> MappedMutexGuard<'a, U> {
        match Self::filter_map(orig, |t| Some(f(t))) {
            Ok(mapped) => mapped,
            Err(_) => unreachable!("the closure always returns Some"),
        }
    }

    /// As [`map`](MutexGuard::map) if `f` returns `Some`; else gives the guard back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{Mutex, MutexGuard};
    /// let m = Mutex::new(vec![1]);
    /// assert!(MutexGuard::filter_map(m.lock().unwrap(), |v| v.get_mut(5)).is_err());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        // SAFETY: the guard proves the lock is held; `orig` is not used while the reference `f`
        // got lives (it is given up below, or dropped, unlocking, if `f` unwinds).
        match f(unsafe { &mut *orig.lock.data.get() }) {
            Some(data) => {
                let data = NonNull::from(data);
                let orig = ManuallyDrop::new(orig);
                Ok(MappedMutexGuard { data, raw: &orig.lock.raw, poison: &orig.lock.poison, _marker: PhantomData })
            }
            None => Err(orig),
        }
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{MappedMutexGuard, Mutex, MutexGuard};
    /// let m = Mutex::new(((1, 2), 3));
    /// let inner = MutexGuard::map(m.lock().unwrap(), |t| &mut t.0);
    /// assert_eq!(*MappedMutexGuard::map(inner, |p| &mut p.1), 2);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(orig: Self, f: F) -> MappedMutexGuard<'a, U> {
        match Self::filter_map(orig, |t| Some(f(t))) {
            Ok(mapped) => mapped,
            Err(_) => unreachable!("the closure always returns Some"),
        }
    }

    /// As [`map`](MappedMutexGuard::map) if `f` returns `Some`; else gives the guard back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{MappedMutexGuard, Mutex, MutexGuard};
    /// let m = Mutex::new((vec![1], 0));
    /// let v = MutexGuard::map(m.lock().unwrap(), |t| &mut t.0);
    /// assert!(MappedMutexGuard::filter_map(v, |v| v.get_mut(0)).is_ok());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut orig: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        // SAFETY: the guard proves the lock is held and `data` points into the locked data; `orig`
        // is not used while the reference `f` got lives.
        match f(unsafe { orig.data.as_mut() }) {
            Some(data) => {
                let data = NonNull::from(data);
                let orig = ManuallyDrop::new(orig);
                Ok(MappedMutexGuard { data, raw: orig.raw, poison: orig.poison, _marker: PhantomData })
            }
            None => Err(orig),
        }
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to the part of the data `f` returns; the read lock stays held.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{RwLock, RwLockReadGuard};
    /// let l = RwLock::new([1, 2, 3]);
    /// assert_eq!(*RwLockReadGuard::map(l.read().unwrap(), |a| &a[1]), 2);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&T) -> &U>(orig: Self, f: F) -> MappedRwLockReadGuard<'a, U> {
        match Self::filter_map(orig, |t| Some(f(t))) {
            Ok(mapped) => mapped,
            Err(_) => unreachable!("the closure always returns Some"),
        }
    }

    /// As [`map`](RwLockReadGuard::map) if `f` returns `Some`; else gives the guard back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{RwLock, RwLockReadGuard};
    /// let l = RwLock::new(vec![1]);
    /// assert!(RwLockReadGuard::filter_map(l.read().unwrap(), |v| v.get(3)).is_err());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedRwLockReadGuard<'a, U>, Self> {
        // SAFETY: the guard proves a read lock is held, so no writer exists.
        match f(unsafe { orig.data.as_ref() }) {
            Some(data) => {
                let data = NonNull::from(data);
                let orig = ManuallyDrop::new(orig);
                Ok(MappedRwLockReadGuard { data, raw: orig.raw, slot: orig.slot, _not_send: PhantomData })
            }
            None => Err(orig),
        }
    }
}

impl<'a, T: ?Sized> MappedRwLockReadGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
    /// let l = RwLock::new(((1, 2), 3));
    /// let inner = RwLockReadGuard::map(l.read().unwrap(), |t| &t.0);
    /// assert_eq!(*MappedRwLockReadGuard::map(inner, |p| &p.1), 2);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&T) -> &U>(orig: Self, f: F) -> MappedRwLockReadGuard<'a, U> {
        match Self::filter_map(orig, |t| Some(f(t))) {
            Ok(mapped) => mapped,
            Err(_) => unreachable!("the closure always returns Some"),
        }
    }

    /// As [`map`](MappedRwLockReadGuard::map) if `f` returns `Some`; else gives it back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
    /// let l = RwLock::new((vec![1], 0));
    /// let v = RwLockReadGuard::map(l.read().unwrap(), |t| &t.0);
    /// assert!(MappedRwLockReadGuard::filter_map(v, |v| v.first()).is_ok());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedRwLockReadGuard<'a, U>, Self> {
        // SAFETY: the guard proves a read lock is held and `data` points into the data.
        match f(unsafe { orig.data.as_ref() }) {
            Some(data) => {
                let data = NonNull::from(data);
                let orig = ManuallyDrop::new(orig);
                Ok(MappedRwLockReadGuard { data, raw: orig.raw, slot: orig.slot, _not_send: PhantomData })
            }
            None => Err(orig),
        }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to the part of the data `f` returns; the write lock stays held.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{RwLock, RwLockWriteGuard};
    /// let l = RwLock::new((1, 2));
    /// *RwLockWriteGuard::map(l.write().unwrap(), |p| &mut p.0) = 9;
    /// assert_eq!(*l.read().unwrap(), (9, 2));
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(orig: Self, f: F) -> MappedRwLockWriteGuard<'a, U> {
        match Self::filter_map(orig, |t| Some(f(t))) {
            Ok(mapped) => mapped,
            Err(_) => unreachable!("the closure always returns Some"),
        }
    }

    /// As [`map`](RwLockWriteGuard::map) if `f` returns `Some`; else gives the guard back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{RwLock, RwLockWriteGuard};
    /// let l = RwLock::new(vec![1]);
    /// assert!(RwLockWriteGuard::filter_map(l.write().unwrap(), |v| v.get_mut(0)).is_ok());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        orig: Self,
        f: F,
    ) -> Result<MappedRwLockWriteGuard<'a, U>, Self> {
        // SAFETY: the guard proves the write lock is held; `orig` is not used while the reference
        // `f` got lives (it is given up below, or dropped, unlocking, if `f` unwinds).
        match f(unsafe { &mut *orig.lock.data.get() }) {
            Some(data) => {
                let data = NonNull::from(data);
                let orig = ManuallyDrop::new(orig);
                Ok(MappedRwLockWriteGuard {
                    data,
                    raw: &orig.lock.raw,
                    poison: &orig.lock.poison,
                    _marker: PhantomData,
                })
            }
            None => Err(orig),
        }
    }
}

impl<'a, T: ?Sized> MappedRwLockWriteGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
    /// let l = RwLock::new(((1, 2), 3));
    /// let inner = RwLockWriteGuard::map(l.write().unwrap(), |t| &mut t.0);
    /// *MappedRwLockWriteGuard::map(inner, |p| &mut p.1) = 5;
    /// assert_eq!(l.read().unwrap().0.1, 5);
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(orig: Self, f: F) -> MappedRwLockWriteGuard<'a, U> {
        match Self::filter_map(orig, |t| Some(f(t))) {
            Ok(mapped) => mapped,
            Err(_) => unreachable!("the closure always returns Some"),
        }
    }

    /// As [`map`](MappedRwLockWriteGuard::map) if `f` returns `Some`; else gives it back.
    ///
    /// # Errors
    /// `Err(orig)` if `f` returned `None`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
    /// let l = RwLock::new((vec![1], 0));
    /// let v = RwLockWriteGuard::map(l.write().unwrap(), |t| &mut t.0);
    /// assert!(MappedRwLockWriteGuard::filter_map(v, |v| v.get_mut(9)).is_err());
    /// ```
    pub fn filter_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut orig: Self,
        f: F,
    ) -> Result<MappedRwLockWriteGuard<'a, U>, Self> {
        // SAFETY: the guard proves the write lock is held and `data` points into the data; `orig`
        // is not used while the reference `f` got lives.
        match f(unsafe { orig.data.as_mut() }) {
            Some(data) => {
                let data = NonNull::from(data);
                let orig = ManuallyDrop::new(orig);
                Ok(MappedRwLockWriteGuard { data, raw: orig.raw, poison: orig.poison, _marker: PhantomData })
            }
            None => Err(orig),
        }
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `data` points into the locked data, and the guard proves the lock is held.
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: `data` points into the locked data, the guard proves the lock is held
        // exclusively, and `&mut self` makes this the only access through the guard.
        unsafe { self.data.as_mut() }
    }
}

impl<T: ?Sized> Deref for MappedRwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `data` points into the data, and a read lock is held, so no writer exists.
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> Deref for MappedRwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `data` points into the data, and the write lock is held.
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for MappedRwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: `data` points into the locked data, the guard proves the lock is held
        // exclusively, and `&mut self` makes this the only access through the guard.
        unsafe { self.data.as_mut() }
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.poison.set_if_panicking();
        // SAFETY: the guard exists only while this thread holds the lock.
        unsafe { self.raw.unlock() }
    }
}

impl<T: ?Sized> Drop for MappedRwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard exists only while this thread holds a read lock.
        unsafe { self.raw.read_unlock(self.slot) }
    }
}

impl<T: ?Sized> Drop for MappedRwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.poison.set_if_panicking();
        // SAFETY: the guard exists only while this thread holds the write lock.
        unsafe { self.raw.write_unlock() }
    }
}

macro_rules! forward_fmt {
    ($($guard:ident),*) => {$(
        impl<T: ?Sized + fmt::Debug> fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }
        impl<T: ?Sized + fmt::Display> fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}
forward_fmt!(MappedMutexGuard, MappedRwLockReadGuard, MappedRwLockWriteGuard);
