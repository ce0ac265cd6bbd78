//! `park` and `park_timeout`: waiting for the calling thread's token (see
//! [`Parker`](crate::runtime::parker::Parker)).

use core::time::Duration;

/// Blocks the current thread until its token is made available by [`Thread::unpark`]
/// (and consumes it). Returns at once if the token is already available.
///
/// Unlike std, which allows spurious returns, this `park` only returns with the token; code
/// written for std (which re-checks its condition in a loop) works unchanged.
///
/// [`Thread::unpark`]: super::Thread::unpark
///
/// # Examples
/// ```
/// use wthreads::sync::atomic::{AtomicBool, Ordering};
/// use wthreads::sync::Arc;
/// use wthreads::thread;
///
/// let flag = Arc::new(AtomicBool::new(false));
/// let f = Arc::clone(&flag);
/// let t = thread::spawn(move || {
///     while !f.load(Ordering::Acquire) {
///         thread::park();
///     }
/// });
/// flag.store(true, Ordering::Release);
/// t.thread().unpark();
/// t.join().unwrap();
/// ```
pub fn park() {
    crate::tcb::current_tcb().thread.parker().park();
}

/// Like [`park`], but returns after `dur` at the latest (consuming the token if it came).
///
/// # Examples
/// ```
/// let t = wthreads::time::Instant::now();
/// wthreads::thread::park_timeout(core::time::Duration::from_millis(5));
/// assert!(t.elapsed().as_millis() >= 5);
/// ```
pub fn park_timeout(dur: Duration) {
    crate::tcb::current_tcb().thread.parker().park_timeout(dur);
}
