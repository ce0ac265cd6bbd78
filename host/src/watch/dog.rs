//! The watchdog: a host thread that looks at every live thread's slot each [`PERIOD`] and, when
//! all of them were blocked for good in two looks in a row with nothing changed between, ends the
//! program: it records the report, and wakes every waiter, whose wait then ends its thread with
//! [`super::Deadlocked`]. Threads that wait for each other in a cycle (mutexes' holders, joins)
//! while others still run are reported once, and the program goes on.
//!
//! A thread counts as blocked for good while it waits on a futex word that still holds the
//! value it expected (a woken thread that has not run yet sees a changed word: every primitive
//! changes its word before it wakes), or joins a thread that is still live. A thread in a wait
//! with a timeout, in a host call, or running counts as not blocked.

use super::{State, Wait};
use crate::shared::Shared;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often the watchdog looks: a deadlock ends the program within about five periods (two
/// looks to see it, two more once its threads told where they wait).
const PERIOD: Duration = Duration::from_millis(100);

/// How many looks a report waits for the functions its threads wait in: the watchdog asks each
/// thread that has not told them (it wakes the thread, which captures them and waits again).
const FRAMES_PATIENCE: u32 = 3;

/// How often, and how many times, the watchdog wakes the waiters of a deadlocked program until
/// none waits any more.
const WAKE_EVERY: Duration = Duration::from_millis(10);
const WAKE_ROUNDS: u32 = 500;

/// Starts the watchdog of `rt` unless it runs already; it ends with the runtime.
pub(crate) fn start(rt: &Arc<Shared>) {
    if !rt.watch.start_once() {
        return;
    }
    let rt = Arc::downgrade(rt);
    // Without a watchdog the program runs as before; a deadlock then hangs, as without one.
    std::thread::Builder::new().name("wthreads-watchdog".into()).spawn(move || watch(&rt)).ok();
}

fn watch(rt: &Weak<Shared>) {
    // The threads blocked for good at the last look, with their generations.
    let mut last: HashSet<(i32, u64)> = HashSet::new();
    // The wait-for cycles reported so far (their threads, in id order).
    let mut reported: Vec<Vec<i32>> = Vec::new();
    // How many looks each report has waited for its threads' functions (the key: the threads).
    let mut asked: HashMap<Vec<i32>, u32> = HashMap::new();
    loop {
        std::thread::sleep(PERIOD);
        let Some(rt) = rt.upgrade() else { return };
        wake_dead_holders_waiters(&rt);
        let live = look(&rt);
        let live_count = live.len();
        let blocked_now: HashSet<(i32, u64)> =
            live.iter().filter(|(_, _, b)| *b).map(|(t, s, _)| (*t, s.generation)).collect();
        // Blocked in both looks, with no wait started or ended between.
        let stuck: Vec<(i32, State)> = live
            .into_iter()
            .filter(|(t, s, b)| *b && last.contains(&(*t, s.generation)))
            .map(|(t, s, _)| (t, s))
            .collect();
        let blocked = blocked_now.len();
        last = blocked_now;
        if blocked < live_count {
            // Some thread runs: a deadlock of all is not near, and any other is a new one.
            asked.retain(|tids, _| tids.len() < live_count);
        }
        if !stuck.is_empty() && stuck.len() == live_count {
            if frames_ready(&rt, &stuck, &mut asked) {
                end(&rt, stuck);
                return;
            }
            continue;
        }
        for cycle in super::report::cycles(&rt, &stuck) {
            let tids: Vec<i32> = cycle.iter().map(|(t, _)| *t).collect();
            if !reported.contains(&tids) && frames_ready(&rt, &cycle, &mut asked) {
                rt.sinks.line(super::report::write(&rt, &cycle, false).trim_end());
                reported.push(tids);
            }
        }
    }
}

/// Whether the report on `threads` can be written: each thread told the functions it waits in,
/// or the report waited [`FRAMES_PATIENCE`] looks for them. Asks the threads that have not.
fn frames_ready(rt: &Shared, threads: &[(i32, State)], asked: &mut HashMap<Vec<i32>, u32>) -> bool {
    let missing: Vec<&(i32, State)> = threads.iter().filter(|(_, s)| s.frames.is_none()).collect();
    let looks = asked.entry(threads.iter().map(|(t, _)| *t).collect()).or_insert(0);
    if missing.is_empty() || *looks >= FRAMES_PATIENCE {
        return true;
    }
    *looks += 1;
    for (tid, state) in missing {
        if let Some(slot) = rt.watch.slot(*tid) {
            slot.want_frames();
        }
        // A join asks by itself, every little while.
        if let Some(Wait::Futex { addr, .. }) = state.wait {
            rt.futex.wake(addr.cast_signed(), u32::MAX);
        }
    }
    false
}

/// Every live thread's id and state, and whether it is blocked for good now.
fn look(rt: &Shared) -> Vec<(i32, State, bool)> {
    rt.watch
        .threads()
        .into_iter()
        .map(|(tid, slot)| {
            let state = slot.snapshot();
            let blocked = state.wait.as_ref().is_some_and(|w| blocked(rt, w));
            (tid, state, blocked)
        })
        .collect()
}

fn blocked(rt: &Shared, wait: &Wait) -> bool {
    match wait {
        Wait::Futex { addr, expected, .. } => {
            super::report::word(rt, *addr) == Some(*expected) && dead_holder(rt, wait).is_none()
        }
        Wait::Join { tid, .. } => rt.watch.is_live(*tid),
    }
}

/// The word address of the mutex `wait` is for, if its holder ended by a trap.
fn dead_holder(rt: &Shared, wait: &Wait) -> Option<u32> {
    let addr = super::report::mutex_of(wait)?;
    let owner = super::report::word(rt, addr)? & !wthreads::abi::MUTEX_CONTENDED;
    rt.watch.is_dead(owner).then_some(addr)
}

/// Wakes the threads that wait for a mutex whose holder ended by a trap: they take it over (the
/// guest does not poll for dead holders on a watching host). Until they do, every look wakes
/// them again, so that one that was about to sleep cannot miss it.
fn wake_dead_holders_waiters(rt: &Shared) {
    for (_, slot) in rt.watch.threads() {
        if let Some(addr) = slot.snapshot().wait.and_then(|w| dead_holder(rt, &w)) {
            rt.futex.wake(addr.cast_signed(), u32::MAX);
        }
    }
}

/// Ends the deadlocked program: records the report, then wakes every waiter until none is left.
fn end(rt: &Shared, threads: Vec<(i32, State)>) {
    rt.watch.found(super::report::write(rt, &threads, true));
    for _ in 0..WAKE_ROUNDS {
        let waiting: Vec<Wait> = rt.watch.threads().iter().filter_map(|(_, s)| s.snapshot().wait).collect();
        if waiting.is_empty() {
            return;
        }
        for w in waiting {
            match w {
                Wait::Futex { addr, .. } => {
                    rt.futex.wake(addr.cast_signed(), u32::MAX);
                }
                Wait::Join { .. } => rt.threads.interrupt_joins(),
            }
        }
        std::thread::sleep(WAKE_EVERY);
    }
}
