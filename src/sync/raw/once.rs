//! The futex state machine under [`Once`](crate::sync::Once): one word holding the state and
//! whether threads sleep on it, and the holder of a running closure, so that waiters poison the
//! `Once` when that thread dies without unwinding.

use crate::abi;
use crate::atomic::{AtomicU32, Ordering};
use crate::futex::{futex_wait, futex_wake_all};
use crate::runtime::death;
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

/// The state passed to the closure of [`Once::call_once_force`](crate::sync::Once::call_once_force).
///
/// # Examples
/// ```
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
    /// ```
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

/// The raw `Once`.
pub(crate) struct RawOnce {
    /// `INCOMPLETE`, `POISONED`, `RUNNING` or `COMPLETE`, possibly with `QUEUED`.
    state: AtomicU32,
    /// The thread running the closure, to detect its death.
    runner: death::Holder,
}

impl RawOnce {
    crate::atomic::const_unless_loom! {
        pub(crate) fn new() -> RawOnce {
            RawOnce { state: AtomicU32::new(INCOMPLETE), runner: death::Holder::new() }
        }
    }

    /// Whether a closure completed (then its effects are visible).
    #[inline]
    pub(crate) fn is_completed(&self) -> bool {
        // Acquire: pairs with the Release that completes the closure.
        self.state.load(Ordering::Acquire) & STATE_MASK == COMPLETE
    }

    /// Whether a closure died (a snapshot, for `Drop` impls that have exclusive access).
    pub(crate) fn is_poisoned(&self) -> bool {
        // Relaxed: a snapshot for `Drop` impls that have exclusive access.
        self.state.load(Ordering::Relaxed) & STATE_MASK == POISONED
    }

    /// Blocks until a closure completed, whatever earlier runs did.
    pub(crate) fn wait_completed(&self) {
        // Acquire: as in `call`.
        let mut state = self.state.load(Ordering::Acquire);
        while state & STATE_MASK != COMPLETE {
            state = self.sleep(state);
        }
    }

    /// Runs `f` unless a closure completed, one thread at a time (the running one has owner
    /// value `owner`); with `ignore_poison` also after a closure died (else that panics, as std
    /// does).
    #[cold]
    pub(crate) fn call(&self, owner: u32, ignore_poison: bool, f: &mut dyn FnMut(&OnceState)) {
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
                    self.runner.set(owner);
                    crate::sys::event(abi::ONCE_RUN, self.addr(), 0, 0);
                    let poisoned = state & STATE_MASK == POISONED;
                    let once_state = OnceState { poisoned, set_state_to: Cell::new(COMPLETE) };
                    // Poisons the `Once` if `f` unwinds (natively; on wasm a panic ends the
                    // thread without unwinding, and waiters find the runner dead instead).
                    let mut completion = Completion { once: self, set_state_to: POISONED };
                    f(&once_state);
                    completion.set_state_to = once_state.set_state_to.get();
                    return;
                }
                _ => state = self.sleep(state),
            }
        }
    }

    /// Blocks until a closure completed (or, with `ignore_poison`, died); panics on a poisoned
    /// `Once` otherwise.
    pub(crate) fn wait(&self, ignore_poison: bool) {
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
        let state = self.state.load(Ordering::Acquire);
        if state & STATE_MASK == COMPLETE {
            crate::sys::event(abi::ONCE_WAITED, self.addr(), 0, 0);
        }
        state
    }

    /// The `Once`'s address in events: its word's.
    fn addr(&self) -> usize {
        (&raw const self.state).addr()
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

/// Ends a run when dropped, also by unwinding: stores the state the run ended in and wakes the
/// waiters (std's `CompletionGuard`).
struct Completion<'a> {
    once: &'a RawOnce,
    set_state_to: u32,
}

impl Drop for Completion<'_> {
    fn drop(&mut self) {
        self.once.runner.clear();
        let completed = usize::from(self.set_state_to == COMPLETE);
        crate::sys::event(abi::ONCE_DONE, self.once.addr(), completed, 0);
        // Release: publishes the closure's effects.
        if self.once.state.swap(self.set_state_to, Ordering::Release) & QUEUED != 0 {
            futex_wake_all(&self.once.state);
        }
    }
}

impl fmt::Debug for OnceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceState").field("poisoned", &self.poisoned).finish()
    }
}
