//! `Condvar` with std's API, over the futex state machine [`RawCondvar`].

use super::mutex::{Mutex, MutexGuard};
use super::poison::LockResult;
use super::raw::condvar::RawCondvar;
use crate::deadline::Deadline;
use core::fmt;
use core::time::Duration;

/// Whether a timed wait on a [`Condvar`] ended because the time ran out.
///
/// # Examples
/// ```
/// use wthreads::sync::{Condvar, Mutex};
/// let (m, c) = (Mutex::new(()), Condvar::new());
/// let (_g, r) = c.wait_timeout(m.lock().unwrap(), core::time::Duration::ZERO).unwrap();
/// assert!(r.timed_out());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WaitTimeoutResult(pub(super) bool);

impl WaitTimeoutResult {
    /// `true` if the wait ended because the timeout elapsed.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{Condvar, Mutex};
    /// let (m, c) = (Mutex::new(()), Condvar::new());
    /// let (_g, r) = c.wait_timeout(m.lock().unwrap(), core::time::Duration::ZERO).unwrap();
    /// assert!(r.timed_out());
    /// ```
    #[must_use]
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

/// A condition variable, with the API of `std::sync::Condvar`.
///
/// A wait sleeps on a futex word that every notification increments, so a notification
/// that happens after the waiter released the mutex is never lost. Wake-ups without a
/// notification (spurious) are possible, as in std: check the condition in a loop, or use
/// [`wait_while`](Self::wait_while).
///
/// # Examples
/// ```
/// use wthreads::sync::{Arc, Condvar, Mutex};
/// use wthreads::thread;
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let pair2 = Arc::clone(&pair);
/// thread::spawn(move || {
///     let (lock, cvar) = &*pair2;
///     *lock.lock().unwrap() = true;
///     cvar.notify_one();
/// });
/// let (lock, cvar) = &*pair;
/// let ready = cvar.wait_while(lock.lock().unwrap(), |ready| !*ready).unwrap();
/// assert!(*ready);
/// ```
pub struct Condvar {
    /// Incremented by every notification; waiters sleep while it keeps the value they read.
    raw: RawCondvar,
}

impl Condvar {
    crate::atomic::const_unless_loom! {
        /// A condition variable with no waiters.
        ///
        /// # Examples
        /// ```
        /// static READY: wthreads::sync::Condvar = wthreads::sync::Condvar::new();
        /// ```
        #[must_use]
        pub fn new() -> Condvar {
            Condvar { raw: RawCondvar::new() }
        }
    }

    /// Releases the guard's mutex, sleeps until notified, and locks the mutex again.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard if the mutex is poisoned when it is locked again.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{Arc, Condvar, Mutex};
    /// let pair = Arc::new((Mutex::new(0), Condvar::new()));
    /// let theirs = Arc::clone(&pair);
    /// let t = wthreads::thread::spawn(move || {
    ///     *theirs.0.lock().unwrap() = 1;
    ///     theirs.1.notify_one();
    /// });
    /// let (m, c) = &*pair;
    /// let mut g = m.lock().unwrap();
    /// while *g == 0 {
    ///     g = c.wait(g).unwrap(); // until the thread has set it and notified
    /// }
    /// drop(g);
    /// t.join().unwrap();
    /// ```
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        match self.wait_optional_timeout(guard, None) {
            Ok((g, _)) => Ok(g),
            Err(e) => Err(super::PoisonError::new(e.into_inner().0)),
        }
    }

    /// Waits until `condition` returns `false`, re-checking it after every wake-up.
    ///
    /// # Errors
    /// As [`wait`](Self::wait).
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{Condvar, Mutex};
    /// let (m, c) = (Mutex::new(3), Condvar::new());
    /// let g = c.wait_while(m.lock().unwrap(), |n| *n > 3).unwrap();
    /// assert_eq!(*g, 3);
    /// ```
    pub fn wait_while<'a, T, F>(&self, mut guard: MutexGuard<'a, T>, mut condition: F) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Like [`wait`](Self::wait), but gives up after `dur` (it never returns earlier than
    /// that without a notification, apart from spurious wake-ups).
    ///
    /// # Errors
    /// As [`wait`](Self::wait).
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{Condvar, Mutex};
    /// let (m, c) = (Mutex::new(()), Condvar::new());
    /// let (_g, r) = c.wait_timeout(m.lock().unwrap(), core::time::Duration::from_millis(1)).unwrap();
    /// assert!(r.timed_out());
    /// ```
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        self.wait_optional_timeout(guard, Some(dur))
    }

    /// Waits until `condition` returns `false` or `dur` has elapsed in total.
    ///
    /// The result says `timed_out()` only if the condition still held when time ran out.
    ///
    /// # Errors
    /// As [`wait`](Self::wait).
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{Condvar, Mutex};
    /// let (m, c) = (Mutex::new(false), Condvar::new());
    /// let d = core::time::Duration::from_millis(2);
    /// let (g, r) = c.wait_timeout_while(m.lock().unwrap(), d, |ready| !*ready).unwrap();
    /// assert!(r.timed_out() && !*g);
    /// ```
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let deadline = Deadline::after(dur);
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            let Some(left) = deadline.left() else { return Ok((guard, WaitTimeoutResult(true))) };
            guard = self.wait_optional_timeout(guard, left)?.0;
        }
    }

    /// Wakes one thread waiting on this condition variable, if any.
    ///
    /// # Examples
    /// ```
    /// wthreads::sync::Condvar::new().notify_one(); // no waiter: nothing happens
    /// ```
    pub fn notify_one(&self) {
        self.raw.notify_one();
    }

    /// Wakes every thread waiting on this condition variable.
    ///
    /// # Examples
    /// ```
    /// wthreads::sync::Condvar::new().notify_all();
    /// ```
    pub fn notify_all(&self) {
        self.raw.notify_all();
    }

    fn wait_optional_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Option<Duration>,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        // SAFETY: the guard proves this thread holds the lock, and it is not used meanwhile.
        let result = unsafe { self.wait_on(guard.lock, timeout) };
        guard.lock.poison_flag().result((guard, result))
    }

    /// Releases `mutex`, sleeps until notified (or until `timeout`), and takes `mutex` again
    /// (also if the sleep unwinds, so that the caller's guard is right to unlock it).
    ///
    /// # Safety
    /// The calling thread holds `mutex`, through a guard it does not use during the call.
    pub(crate) unsafe fn wait_on<T: ?Sized>(&self, mutex: &Mutex<T>, timeout: Option<Duration>) -> WaitTimeoutResult {
        // SAFETY: per the contract, this thread holds the lock and no guard is used until the
        // raw wait takes it again.
        let unlock = || unsafe { mutex.unlock_raw() };
        WaitTimeoutResult(self.raw.wait(unlock, || mutex.lock_raw(), timeout))
    }
}

impl Default for Condvar {
    fn default() -> Condvar {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
