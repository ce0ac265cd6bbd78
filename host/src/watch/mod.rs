//! The deadlock watch: what each live guest thread waits for with no timeout (`wait_watched`, a
//! join), so that the watchdog ([`dog`]) can tell when none of them can ever wake, report it
//! ([`report`]) and end the program (`docs/check.md`, "Deadlocks").
//!
//! A thread registers when it is spawned (the main thread when it is made) and leaves when its
//! end has been published, so that a thread about to start or to wake its joiner counts as
//! live and not blocked. Each thread writes only its own slot; the watchdog reads them all.

pub(crate) mod dog;
pub(crate) mod report;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// What a thread waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wait {
    /// `wait_watched(addr, expected, what, what_addr, thread)`: the futex word at `addr` while it
    /// holds `expected`; `what`/`what_addr` the thread's last wait context event
    /// (`abi::WAIT_CONTEXT_EVENTS`), `thread` its thread pointer.
    Futex { addr: u32, expected: u32, what: i32, what_addr: u32, thread: u32 },
    /// The end of thread `tid` (`thread_join`); `thread` is the joiner's thread pointer.
    Join { tid: i32, thread: u32 },
}

impl Wait {
    /// The waiting thread's thread pointer (0: it has none yet).
    pub(crate) fn thread_pointer(&self) -> u32 {
        match self {
            Wait::Futex { thread, .. } | Wait::Join { thread, .. } => *thread,
        }
    }
}

/// One live thread's entry.
#[derive(Debug)]
pub(crate) struct Slot {
    /// Its name, if it was given one.
    pub(crate) name: Option<String>,
    state: Mutex<State>,
}

/// A slot's changing part.
#[derive(Debug, Default, Clone)]
pub(crate) struct State {
    /// Counts every start and end of a wait, so that the watchdog sees a thread that woke
    /// and waited again between two looks.
    pub(crate) generation: u64,
    /// What it waits for now.
    pub(crate) wait: Option<Wait>,
    /// The functions it waits in (innermost first), captured once a wait has lasted, for the
    /// wait it was captured for.
    pub(crate) frames: Option<(Wait, Vec<String>)>,
}

impl Slot {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes that the thread waits for `wait` until the returned guard is dropped; returns
    /// whether its frames are known for this wait already.
    pub(crate) fn enter(&self, wait: Wait) -> (Waiting<'_>, bool) {
        let mut s = self.state();
        s.generation += 1;
        let known = s.frames.as_ref().is_some_and(|(w, _)| *w == wait);
        s.wait = Some(wait);
        (Waiting(self), known)
    }

    /// Keeps the functions the thread waits in during `wait` (its current one, or the one it
    /// just left and will start again).
    pub(crate) fn set_frames(&self, wait: Wait, frames: Vec<String>) {
        self.state().frames = Some((wait, frames));
    }

    /// A copy of the slot's state.
    pub(crate) fn snapshot(&self) -> State {
        self.state().clone()
    }
}

/// A wait under way; ends it when dropped.
pub(crate) struct Waiting<'a>(&'a Slot);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut s = self.0.state();
        s.generation += 1;
        s.wait = None;
    }
}

/// The live threads and, once the watchdog found a deadlock, its report.
#[derive(Debug, Default)]
pub struct Watch {
    live: Mutex<BTreeMap<i32, Arc<Slot>>>,
    deadlock: OnceLock<String>,
    watching: AtomicBool,
    /// The owner values of the threads that ended by a trap (their mutexes' waiters are woken).
    dead_owners: Mutex<Vec<u32>>,
}

impl Watch {
    fn live(&self) -> MutexGuard<'_, BTreeMap<i32, Arc<Slot>>> {
        self.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers live thread `tid`; returns its slot.
    pub(crate) fn register(&self, tid: i32, name: Option<String>) -> Arc<Slot> {
        let slot = Arc::new(Slot { name, state: Mutex::new(State::default()) });
        self.live().insert(tid, Arc::clone(&slot));
        slot
    }

    /// Thread `tid` has ended, and its end is published (its joiner can see it).
    pub(crate) fn leave(&self, tid: i32) {
        self.live().remove(&tid);
    }

    /// The slot of live thread `tid`.
    pub(crate) fn slot(&self, tid: i32) -> Option<Arc<Slot>> {
        self.live().get(&tid).cloned()
    }

    /// The live threads and their slots, in id order.
    pub(crate) fn threads(&self) -> Vec<(i32, Arc<Slot>)> {
        self.live().iter().map(|(t, s)| (*t, Arc::clone(s))).collect()
    }

    /// Whether thread `tid` is live.
    pub(crate) fn is_live(&self, tid: i32) -> bool {
        self.live().contains_key(&tid)
    }

    /// The report of the deadlock that ended the program, once there was one: every wait then
    /// ends the thread (`Deadlocked`).
    #[must_use]
    pub fn deadlock(&self) -> Option<&str> {
        self.deadlock.get().map(String::as_str)
    }

    /// Records the deadlock's report (the first one counts).
    pub(crate) fn found(&self, report: String) {
        self.deadlock.set(report).ok();
    }

    /// A thread whose owner value is `owner` ended by a trap: the watchdog wakes the waiters of
    /// the mutexes it held, which then take them over.
    pub(crate) fn died(&self, owner: u32) {
        self.dead_owners.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(owner);
    }

    /// Whether `owner` is the owner value of a thread that ended by a trap.
    pub(crate) fn is_dead(&self, owner: u32) -> bool {
        self.dead_owners.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&owner)
    }

    /// Whether the watchdog was started (once per runtime).
    pub(crate) fn start_once(&self) -> bool {
        !self.watching.swap(true, Ordering::SeqCst)
    }
}

/// The trap that ends a thread which waits in a deadlocked program.
#[derive(Debug)]
pub struct Deadlocked;

impl std::fmt::Display for Deadlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ended: the program is deadlocked")
    }
}

impl std::error::Error for Deadlocked {}
