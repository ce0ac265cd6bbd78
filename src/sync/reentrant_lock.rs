//! `ReentrantLock`: a lock the thread holding it can take again, with the API of std's
//! (nightly) `std::sync::ReentrantLock`, on stable.

use super::raw::mutex::RawMutex;
use crate::atomic::{AtomicU32, Ordering};
use core::cell::UnsafeCell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::panic::{RefUnwindSafe, UnwindSafe};

/// A lock that its holder may take again (each `lock` is matched by a guard's drop); it gives
/// shared access only, so a `RefCell` inside provides the mutation, as with std's.
///
/// A thread that dies holding it leaves it to the next thread that wants it.
///
/// # Examples
/// ```
/// use core::cell::RefCell;
/// use wthreads::sync::ReentrantLock;
/// static LOG: ReentrantLock<RefCell<Vec<u32>>> = ReentrantLock::new(RefCell::new(Vec::new()));
/// let outer = LOG.lock();
/// outer.borrow_mut().push(1);
/// let inner = LOG.lock(); // the same thread: no deadlock
/// inner.borrow_mut().push(2);
/// ```
pub struct ReentrantLock<T: ?Sized> {
    mutex: RawMutex,
    /// The owner value of the holding thread (0: none); only the holder writes its own value.
    owner: AtomicU32,
    /// How many guards the holder has; only the holder touches it.
    count: UnsafeCell<u32>,
    data: T,
}

/// RAII shared access to a [`ReentrantLock`]; the lock is released when the holder's last
/// guard is dropped.
///
/// # Examples
/// ```
/// let l = wthreads::sync::ReentrantLock::new(5);
/// let g = l.lock();
/// assert_eq!(*g, 5);
/// ```
#[must_use = "if unused the ReentrantLock will immediately unlock"]
pub struct ReentrantLockGuard<'a, T: ?Sized + 'a> {
    lock: &'a ReentrantLock<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: sending the lock sends the `T`.
unsafe impl<T: Send + ?Sized> Send for ReentrantLock<T> {}
// SAFETY: one thread at a time holds guards, and a guard cannot leave its thread, so the `T`
// is only ever used by one thread at a time: `T: Send` suffices (std's bounds). `count` is
// only touched by the holder.
unsafe impl<T: Send + ?Sized> Sync for ReentrantLock<T> {}
impl<T: UnwindSafe + ?Sized> UnwindSafe for ReentrantLock<T> {}
impl<T: RefUnwindSafe + ?Sized> RefUnwindSafe for ReentrantLock<T> {}
// SAFETY: a shared guard gives `&T`, so it is `Sync` when `T` is.
unsafe impl<T: ?Sized + Sync> Sync for ReentrantLockGuard<'_, T> {}

impl<T> ReentrantLock<T> {
    crate::atomic::const_unless_loom! {
        /// Creates an unlocked lock holding `t`.
        ///
        /// # Examples
        /// ```
        /// static L: wthreads::sync::ReentrantLock<u32> = wthreads::sync::ReentrantLock::new(0);
        /// ```
        pub fn new(t: T) -> ReentrantLock<T> {
            ReentrantLock { mutex: RawMutex::new(), owner: AtomicU32::new(0), count: UnsafeCell::new(0), data: t }
        }
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(wthreads::sync::ReentrantLock::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.data
    }
}

impl<T: ?Sized> ReentrantLock<T> {
    /// Takes the lock, blocking while another thread holds it; at once if this thread does.
    ///
    /// # Panics
    /// If this thread already holds it 2^32 − 1 times.
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::ReentrantLock::new(1);
    /// let (a, b) = (l.lock(), l.lock());
    /// assert_eq!(*a + *b, 2);
    /// ```
    pub fn lock(&self) -> ReentrantLockGuard<'_, T> {
        let me = crate::tcb::current_owner();
        if !self.enter_again(me) {
            self.mutex.lock_as(me);
            self.begin(me);
        }
        ReentrantLockGuard { lock: self, _not_send: PhantomData }
    }

    /// Takes the lock if that is possible without blocking.
    ///
    /// # Panics
    /// As [`lock`](ReentrantLock::lock).
    ///
    /// # Examples
    /// ```
    /// let l = wthreads::sync::ReentrantLock::new(1);
    /// let _g = l.lock();
    /// assert!(l.try_lock().is_some(), "the holder may take it again");
    /// ```
    pub fn try_lock(&self) -> Option<ReentrantLockGuard<'_, T>> {
        let me = crate::tcb::current_owner();
        if !self.enter_again(me) {
            self.mutex.try_lock_as(me)?;
            self.begin(me);
        }
        Some(ReentrantLockGuard { lock: self, _not_send: PhantomData })
    }

    /// Mutable access without locking: the borrow checker proves exclusivity.
    ///
    /// # Examples
    /// ```
    /// let mut l = wthreads::sync::ReentrantLock::new(1);
    /// *l.get_mut() = 2;
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// A raw pointer to the data.
    ///
    /// # Examples
    /// ```
    /// assert!(!wthreads::sync::ReentrantLock::new(0).data_ptr().is_null());
    /// ```
    pub fn data_ptr(&self) -> *const T {
        &raw const self.data
    }

    /// If this thread (owner value `me`) holds the lock, counts one more guard.
    fn enter_again(&self, me: u32) -> bool {
        // Relaxed: only this thread ever stores `me` here, so reading it back needs no order.
        if self.owner.load(Ordering::Relaxed) != me {
            return false;
        }
        // SAFETY: this thread holds the lock, and only the holder touches `count`.
        let count = unsafe { &mut *self.count.get() };
        *count = count.checked_add(1).expect("lock count overflow in reentrant mutex");
        true
    }

    /// Records this thread as the holder of the lock it just took (also from a dead holder,
    /// whose count no longer matters).
    fn begin(&self, me: u32) {
        // Relaxed: as in `enter_again`; the mutex orders everything else.
        self.owner.store(me, Ordering::Relaxed);
        // SAFETY: this thread holds the lock, and only the holder touches `count`.
        unsafe { *self.count.get() = 1 };
    }
}

impl<T: ?Sized> Drop for ReentrantLockGuard<'_, T> {
    fn drop(&mut self) {
        let lock = self.lock;
        // SAFETY: the guard proves this thread holds the lock; only the holder touches `count`.
        let count = unsafe { &mut *lock.count.get() };
        *count -= 1;
        if *count == 0 {
            // Relaxed: as in `enter_again`.
            lock.owner.store(0, Ordering::Relaxed);
            // SAFETY: this thread holds the mutex, and this was its last guard.
            unsafe { lock.mutex.unlock() };
        }
    }
}

impl<T: ?Sized> Deref for ReentrantLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.lock.data
    }
}

impl<T: Default> Default for ReentrantLock<T> {
    fn default() -> ReentrantLock<T> {
        ReentrantLock::new(T::default())
    }
}

impl<T> From<T> for ReentrantLock<T> {
    fn from(t: T) -> ReentrantLock<T> {
        ReentrantLock::new(t)
    }
}

impl<T: fmt::Debug + ?Sized> fmt::Debug for ReentrantLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ReentrantLock");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<T: fmt::Debug + ?Sized> fmt::Debug for ReentrantLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display + ?Sized> fmt::Display for ReentrantLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
