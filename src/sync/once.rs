//! `Once` with std's API, on a futex word.

use crate::atomic::{AtomicU32, Ordering};
use crate::futex::{futex_wait, futex_wake_all};
use crate::thread::death;
use core::cell::Cell;
use core::fmt;

/// Nobody ran the closure yet.
const INCOMPLETE: u32 = 0;
/// A closure panicked (its thread died while running it).
const POISONED: u32 = 1;
/// A closure runs.
const RUNNING: u32 = 2;
/// A closure completed.
const COMPLETE: u32 = 3;
/// The states above occupy these bits.
const STATE_MASK: u32 = 0b11;
/// Added to a state while threads sleep on the word: whoever changes the state wakes them.
const QUEUED: u32 = 0b100;

/// A one-time initialisation, with the API of `std::sync::Once`.
///
/// If the thread running the closure ends by a panic, the `Once` becomes poisoned: the
/// threads waiting for it wake up (within a few milliseconds) and `call_once` panics, while
/// `call_once_force` runs its closure with [`OnceState::is_poisoned`] true, as in std.
///
/// # Examples
/// ```no_run
/// use wthreads::sync::Once;
/// static INIT: Once = Once::new();
/// INIT.call_once(|| wthreads::println!("runs once"));
/// INIT.call_once(|| unreachable!());
/// assert!(INIT.is_completed());
/// ```
pub struct Once {
    /// `INCOMPLETE`, `POISONED`, `RUNNING` or `COMPLETE`, possibly with `QUEUED`.
    state: AtomicU32,
    /// Owner value of the thread running the closure (0 when none), to detect its death.
    runner: death::Holder,
}

/// The state passed to the closure of [`Once::call_once_force`].
///
/// # Examples
/// ```no_run
/// let once = wthreads::sync::Once::new();
/// once.call_once_force(|state: &wthreads::sync::OnceState| assert!(!state.is_poisoned()));
/// ```
pub struct OnceState {
    poisoned: bool,
    set_state_to: Cell<u32>,
}

impl OnceState {
    /// Whether an earlier closure of this `Once` panicked.
    ///
    /// # Examples
    /// ```no_run
    /// wthreads::sync::Once::new().call_once_force(|s| assert!(!s.is_poisoned()));
    /// ```
    #[must_use]
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// Leaves the `Once` poisoned when the closure returns, i.e. not complete: the next
    /// `call_once_force` runs its closure (for `OnceLock::get_or_try_init`'s failures).
    pub(crate) fn poison(&self) {
        self.set_state_to.set(POISONED);
    }
}

impl Once {
    crate::atomic::const_unless_loom! {
        /// A `Once` whose closure has not run.
        ///
        /// # Examples
        /// ```no_run
        /// static INIT: wthreads::sync::Once = wthreads::sync::Once::new();
        /// ```
        #[must_use]
        pub fn new() -> Once {
            Once { state: AtomicU32::new(INCOMPLETE), runner: death::Holder::new() }
        }
    }

    /// Runs `f` if no closure of this `Once` completed yet; otherwise waits for the running
    /// one. When this returns, a closure has completed.
    ///
    /// # Panics
    /// If the `Once` is poisoned (an earlier closure panicked).
    ///
    /// # Examples
    /// ```no_run
    /// static O: wthreads::sync::Once = wthreads::sync::Once::new();
    /// O.call_once(|| ());
    /// ```
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        if self.is_completed() {
            return;
        }
        let mut f = Some(f);
        self.call(false, &mut |_| {
            if let Some(f) = f.take() {
                f();
            }
        });
    }

    /// Like [`call_once`](Self::call_once), but also runs when poisoned; the closure learns
    /// that from its [`OnceState`].
    ///
    /// # Examples
    /// ```no_run
    /// static O: wthreads::sync::Once = wthreads::sync::Once::new();
    /// O.call_once_force(|state| assert!(!state.is_poisoned()));
    /// ```
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        if self.is_completed() {
            return;
        }
        let mut f = Some(f);
        self.call(true, &mut |state| {
            if let Some(f) = f.take() {
                f(state);
            }
        });
    }

    /// Whether a closure completed. When `true`, its effects are visible to this thread.
    ///
    /// # Examples
    /// ```no_run
    /// assert!(!wthreads::sync::Once::new().is_completed());
    /// ```
    #[inline]
    pub fn is_completed(&self) -> bool {
        // Acquire: pairs with the Release that completes the closure.
        self.state.load(Ordering::Acquire) & STATE_MASK == COMPLETE
    }

    /// Blocks until a closure of this `Once` completed.
    ///
    /// # Panics
    /// If the `Once` is or becomes poisoned.
    ///
    /// # Examples
    /// ```no_run
    /// static O: wthreads::sync::Once = wthreads::sync::Once::new();
    /// O.call_once(|| ());
    /// O.wait();
    /// ```
    pub fn wait(&self) {
        self.wait_until_done(false);
    }

    /// Like [`wait`](Self::wait), but returns (instead of panicking) when poisoned.
    ///
    /// # Examples
    /// ```no_run
    /// static O: wthreads::sync::Once = wthreads::sync::Once::new();
    /// O.call_once(|| ());
    /// O.wait_force();
    /// ```
    pub fn wait_force(&self) {
        self.wait_until_done(true);
    }

    /// Blocks until a closure completed, also through poisoned runs (for `OnceLock::wait`).
    pub(crate) fn wait_completed(&self) {
        // Acquire: as in `call`.
        let mut state = self.state.load(Ordering::Acquire);
        while state & STATE_MASK != COMPLETE {
            state = self.sleep(state);
        }
    }

    /// Whether the `Once` is poisoned.
    pub(crate) fn is_poisoned(&self) -> bool {
        // Relaxed: a snapshot for `Drop` impls that have exclusive access.
        self.state.load(Ordering::Relaxed) & STATE_MASK == POISONED
    }

    #[cold]
    fn call(&self, ignore_poison: bool, f: &mut dyn FnMut(&OnceState)) {
        // Acquire: if it is COMPLETE we must see the closure's effects.
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            match state & STATE_MASK {
                COMPLETE => return,
                POISONED if !ignore_poison => panic!("Once instance has previously been poisoned"),
                INCOMPLETE | POISONED => {
                    let running = RUNNING | (state & QUEUED);
                    // Acquire: we must see a poisoned run's partial effects.
                    if let Err(s) = self.state.compare_exchange(state, running, Ordering::Acquire, Ordering::Acquire) {
                        state = s;
                        continue;
                    }
                    // Waiters check whether the runner died.
                    self.runner.set_current();
                    let poisoned = state & STATE_MASK == POISONED;
                    let once_state = OnceState { poisoned, set_state_to: Cell::new(COMPLETE) };
                    f(&once_state);
                    self.runner.clear();
                    // Release: publishes the closure's effects.
                    if self.state.swap(once_state.set_state_to.get(), Ordering::Release) & QUEUED != 0 {
                        futex_wake_all(&self.state);
                    }
                    return;
                }
                _ => state = self.sleep(state),
            }
        }
    }

    fn wait_until_done(&self, ignore_poison: bool) {
        // Acquire: as in `call`.
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            match state & STATE_MASK {
                COMPLETE => return,
                POISONED if ignore_poison => return,
                POISONED => panic!("Once instance has previously been poisoned"),
                _ => state = self.sleep(state),
            }
        }
    }

    /// Sleeps until the state changes from `state` (not `COMPLETE`); returns the new state.
    fn sleep(&self, state: u32) -> u32 {
        // Announce a sleeper so that whoever changes the state wakes us.
        if state & QUEUED == 0
            && let Err(s) = self.state.compare_exchange(state, state | QUEUED, Ordering::Relaxed, Ordering::Acquire)
        {
            return s;
        }
        let poll = (state & STATE_MASK == RUNNING).then_some(death::DEAD_OWNER_POLL);
        futex_wait(&self.state, state | QUEUED, poll);
        self.poison_if_runner_died();
        // Acquire: as in `call`.
        self.state.load(Ordering::Acquire)
    }

    /// If the running closure's thread ended in a panic, poisons the `Once` and wakes all.
    fn poison_if_runner_died(&self) {
        if self.runner.claim_from_dead() {
            // Acquire: we must see the dead run's partial effects.
            self.state.swap(POISONED, Ordering::Acquire);
            futex_wake_all(&self.state);
        }
    }
}

impl Default for Once {
    fn default() -> Once {
        Once::new()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}

impl fmt::Debug for OnceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceState").field("poisoned", &self.poisoned).finish()
    }
}
