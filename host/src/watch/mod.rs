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
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, fence};
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

/// One live thread's entry. Only its thread writes what it waits for, without a lock (a
/// sequence lock: `seq` is odd while it writes); the watchdog reads it.
#[derive(Debug)]
pub(crate) struct Slot {
    /// Its name, if it was given one.
    pub(crate) name: Option<String>,
    /// Odd while the thread writes; counts every start and end of a wait (twice each).
    seq: AtomicU64,
    /// `NONE`, `FUTEX` or `JOIN`.
    kind: AtomicU32,
    /// Futex: the word and the expected value; join: the joined thread's id.
    target: AtomicU64,
    /// Futex: the wait context event's kind and address.
    context: AtomicU64,
    /// The thread pointer.
    thread: AtomicU32,
    /// Set by the watchdog: capture the functions you wait in when you wake.
    want_frames: AtomicBool,
    /// The functions it waits in (innermost first), with the wait they were captured in.
    frames: Mutex<Option<(Wait, Vec<String>)>>,
}

const NONE: u32 = 0;
const FUTEX: u32 = 1;
const JOIN: u32 = 2;

/// What the watchdog reads of a slot.
#[derive(Debug, Default, Clone)]
pub(crate) struct State {
    /// Changes with every start and end of a wait, so that the watchdog sees a thread that woke
    /// and waited again between two looks.
    pub(crate) generation: u64,
    /// What it waits for now.
    pub(crate) wait: Option<Wait>,
    /// The functions it waits in, if they were captured in this wait.
    pub(crate) frames: Option<Vec<String>>,
}

/// Two `u32`s in one word.
fn pair(lo: u32, hi: u32) -> u64 {
    u64::from(lo) | u64::from(hi) << 32
}

fn unpair(v: u64) -> (u32, u32) {
    (v as u32, (v >> 32) as u32)
}

impl Slot {
    fn new(name: Option<String>) -> Slot {
        Slot {
            name,
            seq: AtomicU64::new(0),
            kind: AtomicU32::new(NONE),
            target: AtomicU64::new(0),
            context: AtomicU64::new(0),
            thread: AtomicU32::new(0),
            want_frames: AtomicBool::new(false),
            frames: Mutex::new(None),
        }
    }

    /// Rewrites the record under the sequence lock (only the slot's thread calls this).
    fn write(&self, f: impl FnOnce()) {
        let s = self.seq.load(Ordering::Relaxed);
        self.seq.store(s + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        f();
        self.seq.store(s + 2, Ordering::Release);
    }

    /// Notes that the thread waits for `wait` until the returned guard is dropped.
    pub(crate) fn enter(&self, wait: &Wait) -> Waiting<'_> {
        self.write(|| {
            let (kind, target, context, thread) = match *wait {
                Wait::Futex { addr, expected, what, what_addr, thread } => {
                    (FUTEX, pair(addr, expected), pair(what.cast_unsigned(), what_addr), thread)
                }
                Wait::Join { tid, thread } => (JOIN, u64::from(tid.cast_unsigned()), 0, thread),
            };
            self.target.store(target, Ordering::Relaxed);
            self.context.store(context, Ordering::Relaxed);
            self.thread.store(thread, Ordering::Relaxed);
            self.kind.store(kind, Ordering::Relaxed);
        });
        Waiting(self)
    }

    /// Whether the watchdog asked for the functions the thread waits in (asks once).
    pub(crate) fn frames_wanted(&self) -> bool {
        self.want_frames.swap(false, Ordering::Relaxed)
    }

    /// Asks the thread for the functions it waits in, when it wakes.
    pub(crate) fn want_frames(&self) {
        self.want_frames.store(true, Ordering::Relaxed);
    }

    /// Keeps the functions the thread waits in during `wait` (its current one, or the one it
    /// just left and will start again).
    pub(crate) fn set_frames(&self, wait: Wait, frames: Vec<String>) {
        *self.frames.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((wait, frames));
    }

    /// What the thread waits for now, read consistently.
    pub(crate) fn snapshot(&self) -> State {
        loop {
            let seq = self.seq.load(Ordering::Acquire);
            if seq % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let (kind, target, context, thread) = (
                self.kind.load(Ordering::Relaxed),
                self.target.load(Ordering::Relaxed),
                self.context.load(Ordering::Relaxed),
                self.thread.load(Ordering::Relaxed),
            );
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) != seq {
                continue;
            }
            let wait = match kind {
                FUTEX => {
                    let ((addr, expected), (what, what_addr)) = (unpair(target), unpair(context));
                    Some(Wait::Futex { addr, expected, what: what.cast_signed(), what_addr, thread })
                }
                JOIN => Some(Wait::Join { tid: (target as u32).cast_signed(), thread }),
                _ => None,
            };
            let frames = self.frames.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let frames = frames.as_ref().filter(|(w, _)| Some(w) == wait.as_ref()).map(|(_, f)| f.clone());
            return State { generation: seq, wait, frames };
        }
    }
}

/// A wait under way; ends it when dropped.
pub(crate) struct Waiting<'a>(&'a Slot);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.write(|| self.0.kind.store(NONE, Ordering::Relaxed));
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
        let slot = Arc::new(Slot::new(name));
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
