//! `Barrier` with std's API.

use super::{Condvar, Mutex, PoisonError};
use core::fmt;

/// Lets a fixed number of threads wait for each other, with the API of `std::sync::Barrier`.
///
/// # Examples
/// ```
/// use wthreads::sync::{Arc, Barrier};
/// use wthreads::thread;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let handles: Vec<_> = (0..3)
///     .map(|_| {
///         let b = Arc::clone(&barrier);
///         thread::spawn(move || b.wait().is_leader())
///     })
///     .collect();
/// let leaders = handles.into_iter().map(|h| h.join().unwrap()).filter(|l| *l).count();
/// assert_eq!(leaders, 1);
/// ```
pub struct Barrier {
    state: Mutex<State>,
    cvar: Condvar,
    n: usize,
}

struct State {
    /// Threads that arrived in the current generation.
    count: usize,
    /// Incremented each time the barrier opens, so a waiter knows its round ended.
    generation: u64,
}

/// What [`Barrier::wait`] returns: exactly one thread per round is the leader.
///
/// # Examples
/// ```
/// let r = wthreads::sync::Barrier::new(1).wait();
/// assert!(r.is_leader());
/// ```
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this thread was the last to arrive (exactly one per round is).
    ///
    /// # Examples
    /// ```
    /// assert!(wthreads::sync::Barrier::new(1).wait().is_leader());
    /// ```
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    crate::atomic::const_unless_loom! {
        /// A barrier that opens when `n` threads have called [`wait`](Self::wait). A barrier for
        /// 0 threads behaves like one for 1, as in std.
        ///
        /// # Examples
        /// ```
        /// let b = wthreads::sync::Barrier::new(4);
        /// ```
        #[must_use]
        pub fn new(n: usize) -> Barrier {
            Barrier { state: Mutex::new(State { count: 0, generation: 0 }), cvar: Condvar::new(), n }
        }
    }

    /// Blocks until `n` threads have called `wait` in this round; then all return, and the
    /// barrier can be used again.
    ///
    /// # Examples
    /// ```
    /// let r = wthreads::sync::Barrier::new(1).wait();
    /// assert!(r.is_leader());
    /// ```
    pub fn wait(&self) -> BarrierWaitResult {
        let addr = core::ptr::from_ref(self).addr();
        crate::sys::event(crate::abi::BARRIER_WAIT, addr, 0, 0);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = state.generation;
        state.count += 1;
        let leader = if state.count < self.n {
            let _state =
                self.cvar.wait_while(state, |s| s.generation == generation).unwrap_or_else(PoisonError::into_inner);
            false
        } else {
            state.count = 0;
            state.generation = state.generation.wrapping_add(1);
            self.cvar.notify_all();
            true
        };
        crate::sys::event(crate::abi::BARRIER_PASSED, addr, usize::from(leader), 0);
        BarrierWaitResult(leader)
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").finish_non_exhaustive()
    }
}

impl fmt::Debug for BarrierWaitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWaitResult").field("is_leader", &self.0).finish()
    }
}
