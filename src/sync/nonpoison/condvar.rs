//! `nonpoison::Condvar`: the [`Condvar`](crate::sync::Condvar) for guards of
//! [`nonpoison::Mutex`](super::Mutex), which it takes by `&mut` and gives back locked.

use super::MutexGuard;
use crate::sync::{self as poisoning, WaitTimeoutResult};
use core::time::Duration;

/// A condition variable for [`nonpoison::Mutex`](super::Mutex), with the API of std's
/// (nightly) `nonpoison::Condvar`.
///
/// # Examples
/// ```
/// use wthreads::sync::{Arc, nonpoison::{Condvar, Mutex}};
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let p2 = Arc::clone(&pair);
/// wthreads::thread::spawn(move || {
///     *p2.0.lock() = true;
///     p2.1.notify_one();
/// });
/// let mut ready = pair.0.lock();
/// pair.1.wait_while(&mut ready, |r| !*r);
/// ```
#[derive(Debug, Default)]
pub struct Condvar {
    inner: poisoning::Condvar,
}

impl Condvar {
    crate::atomic::const_unless_loom! {
        /// A condition variable nobody waits on.
        ///
        /// # Examples
        /// ```
        /// static CV: wthreads::sync::nonpoison::Condvar = wthreads::sync::nonpoison::Condvar::new();
        /// ```
        #[must_use]
        pub fn new() -> Condvar {
            Condvar { inner: poisoning::Condvar::new() }
        }
    }

    /// Releases the guard's mutex, sleeps until notified (spurious wake-ups are possible), and
    /// takes the mutex again.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(()), Condvar::new());
    /// let mut g = m.lock();
    /// cv.notify_one(); // nobody waits: lost, so a real program waits for a condition
    /// let _ = cv.wait_timeout(&mut g, core::time::Duration::from_millis(1));
    /// ```
    pub fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
        // SAFETY: the guard proves this thread holds the mutex, and it is borrowed for the call.
        unsafe { self.inner.wait_on(guard.inner.lock, None) };
    }

    /// Waits while `condition` holds for the data.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(0), Condvar::new());
    /// cv.wait_while(&mut m.lock(), |n| *n > 0);
    /// ```
    pub fn wait_while<T, F>(&self, guard: &mut MutexGuard<'_, T>, mut condition: F)
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            self.wait(guard);
        }
    }

    /// As [`wait`](Condvar::wait), for at most `dur`.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(()), Condvar::new());
    /// let r = cv.wait_timeout(&mut m.lock(), core::time::Duration::from_millis(1));
    /// assert!(r.timed_out());
    /// ```
    pub fn wait_timeout<T>(&self, guard: &mut MutexGuard<'_, T>, dur: Duration) -> WaitTimeoutResult {
        // SAFETY: the guard proves this thread holds the mutex, and it is borrowed for the call.
        unsafe { self.inner.wait_on(guard.inner.lock, Some(dur)) }
    }

    /// Waits while `condition` holds, for at most `dur` in all.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::nonpoison::{Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(1), Condvar::new());
    /// let r = cv.wait_timeout_while(&mut m.lock(), core::time::Duration::from_millis(1), |n| *n > 0);
    /// assert!(r.timed_out());
    /// ```
    pub fn wait_timeout_while<T, F>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        dur: Duration,
        mut condition: F,
    ) -> WaitTimeoutResult
    where
        F: FnMut(&mut T) -> bool,
    {
        let deadline = crate::deadline::Deadline::after(dur);
        loop {
            if !condition(&mut *guard) {
                return WaitTimeoutResult(false);
            }
            let Some(left) = deadline.left() else { return WaitTimeoutResult(true) };
            // SAFETY: the guard proves this thread holds the mutex, and it is borrowed for the call.
            unsafe { self.inner.wait_on(guard.inner.lock, left) };
        }
    }

    /// Wakes one waiting thread.
    ///
    /// # Examples
    /// ```
    /// wthreads::sync::nonpoison::Condvar::new().notify_one();
    /// ```
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every waiting thread.
    ///
    /// # Examples
    /// ```
    /// wthreads::sync::nonpoison::Condvar::new().notify_all();
    /// ```
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}
