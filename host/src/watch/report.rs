//! The text of a deadlock report: for each thread, what it waits for (with a mutex's holder)
//! and the functions it waits in, like Go's "all goroutines are asleep" with owners.

use super::{State, Wait};
use crate::shared::Shared;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use wthreads::abi;

/// How many of a thread's own functions (the runtime's left out) a report shows.
const FRAMES: usize = 4;

/// The word of guest memory at `addr`, if it is inside the memory and aligned.
pub(crate) fn word(rt: &Shared, addr: u32) -> Option<u32> {
    let w = crate::memory::GuestMemory::new(&rt.memory).word(addr.cast_signed()).ok()?;
    Some(w.load(std::sync::atomic::Ordering::SeqCst))
}

/// The word of the user `Mutex` that `wait` is for, if it is one: the wait context event says
/// so, and the word is inside the object it named.
pub(crate) fn mutex_of(wait: &Wait) -> Option<u32> {
    let Wait::Futex { addr, what, .. } = *wait else { return None };
    let user_mutex =
        what & abi::EVENT_MASK == abi::LOCK_ACQUIRE_STARTED && what & (abi::LOCK_RWLOCK | abi::LOCK_INTERNAL) == 0;
    (has_context(wait) && user_mutex).then_some(addr)
}

/// Whether the wait context event of a futex wait is this wait's: the word is inside the
/// object it named (a thread keeps its last one across other waits).
fn has_context(wait: &Wait) -> bool {
    let Wait::Futex { addr, what, what_addr, .. } = *wait else { return false };
    what != abi::NO_WAIT_CONTEXT && (what_addr..what_addr.saturating_add(64)).contains(&addr)
}

/// The report on `threads`: every live thread (`all`), or the threads of a wait-for cycle while
/// others run, with what each waits for.
pub(crate) fn write(rt: &Shared, threads: &[(i32, State)], all: bool) -> String {
    let mut out = match (all, threads.len()) {
        (true, 1) => "deadlock: the program's only live thread is blocked, and nothing can wake it\n".to_string(),
        (true, n) => format!("deadlock: all {n} live threads of the program are blocked, and none can wake another\n"),
        (false, 1) => format!("deadlock: thread {} waits for itself (other threads still run)\n", threads[0].0),
        (false, _) => {
            let tids: Vec<String> = threads.iter().map(|(t, _)| t.to_string()).collect();
            format!("deadlock: threads {} wait for each other (other threads still run)\n", tids.join(", "))
        }
    };
    for (tid, state) in threads {
        let name = rt.watch.slot(*tid).and_then(|s| s.name.clone());
        let who = describe_thread(*tid, name.as_deref());
        let Some(wait) = &state.wait else { continue };
        let _ = writeln!(out, "\n{who} {}", waits_for(rt, *tid, wait, threads));
        for f in state.frames.as_deref().map(own_frames).unwrap_or_default() {
            let _ = writeln!(out, "    in {f}");
        }
    }
    out
}

/// The thread's label in messages; the main thread is named "main", as in its trap messages.
fn describe_thread(tid: i32, name: Option<&str>) -> String {
    let name = name.or((tid == abi::MAIN_THREAD_ID).then_some("main"));
    crate::shared::thread_label(tid, name)
}

/// "waits for the mutex at 0x…, held by thread 2", "waits to join thread 3", …
fn waits_for(rt: &Shared, me: i32, wait: &Wait, threads: &[(i32, State)]) -> String {
    let (addr, expected, what, what_addr) = match wait {
        Wait::Join { tid, .. } => return format!("waits to join thread {tid}"),
        Wait::Futex { addr, expected, what, what_addr, .. } => (*addr, *expected, *what, *what_addr),
    };
    if !has_context(wait) {
        return format!("waits on the futex word at {addr:#x} (holding {expected})");
    }
    match what & abi::EVENT_MASK {
        abi::LOCK_ACQUIRE_STARTED if what & abi::LOCK_RWLOCK != 0 => {
            let how = if what & abi::LOCK_SHARED != 0 { "read" } else { "write" };
            format!("waits to {how}-lock the RwLock at {what_addr:#x}")
        }
        abi::LOCK_ACQUIRE_STARTED if what & abi::LOCK_INTERNAL != 0 => {
            format!("waits for a lock of the runtime at {what_addr:#x}")
        }
        abi::LOCK_ACQUIRE_STARTED => {
            format!("waits for the mutex at {what_addr:#x}, {}", holder(rt, me, addr, threads))
        }
        abi::CONDVAR_WAIT => format!("waits on the condition variable at {what_addr:#x}"),
        abi::BARRIER_WAIT => format!("waits at the barrier at {what_addr:#x}"),
        abi::PARK => "is parked (thread::park) and nobody unparks it".to_string(),
        _ => format!("waits on the futex word at {addr:#x} (holding {expected})"),
    }
}

/// Who holds the mutex whose word is at `addr`: the thread whose owner value the word holds.
fn holder(rt: &Shared, me: i32, addr: u32, threads: &[(i32, State)]) -> String {
    if word(rt, addr).is_some_and(|w| w & !abi::MUTEX_CONTENDED == 0) {
        return "which is free now".into();
    }
    match holder_of(rt, addr, threads) {
        Some(tid) if tid == me => "which it holds itself".into(),
        Some(tid) => format!("held by thread {tid}"),
        None if threads.len() == rt.watch.threads().len() => "held by a thread that has ended".into(),
        None => "held by a thread that still runs".into(),
    }
}

/// The thread of `threads` whose owner value the mutex word at `addr` holds (found through the
/// threads' thread pointers).
fn holder_of(rt: &Shared, addr: u32, threads: &[(i32, State)]) -> Option<i32> {
    let owner = word(rt, addr)? & !abi::MUTEX_CONTENDED;
    (owner != 0).then(|| threads.iter().find(|(_, s)| owner_of(rt, s) == Some(owner)).map(|(t, _)| *t)).flatten()
}

/// The owner value at the thread pointer of a waiting thread, if it has one.
fn owner_of(rt: &Shared, state: &State) -> Option<u32> {
    let ptr = state.wait.as_ref().map_or(0, Wait::thread_pointer);
    (ptr != 0).then(|| word(rt, ptr.saturating_add(abi::OWNER_AT_THREAD_POINTER))).flatten()
}

/// The wait-for cycles among `threads` (each blocked for good): a thread waits for the holder of
/// the mutex it waits for, or for the thread it joins. Each cycle once, in id order.
pub(crate) fn cycles(rt: &Shared, threads: &[(i32, State)]) -> Vec<Vec<(i32, State)>> {
    let by_owner: HashMap<u32, i32> = threads.iter().filter_map(|(t, s)| Some((owner_of(rt, s)?, *t))).collect();
    let next = |state: &State| match state.wait.as_ref()? {
        Wait::Join { tid, .. } => Some(*tid),
        wait => by_owner.get(&(word(rt, mutex_of(wait)?)? & !abi::MUTEX_CONTENDED)).copied(),
    };
    // Each thread waits for at most one: the graph is a function, whose cycles a walk from each
    // thread finds; a thread already walked through is not walked again.
    let edges: HashMap<i32, Option<i32>> = threads.iter().map(|(t, s)| (*t, next(s))).collect();
    let mut walked: HashSet<i32> = HashSet::new();
    let mut found: Vec<Vec<i32>> = Vec::new();
    for (start, _) in threads {
        let mut path = vec![*start];
        let mut at = *start;
        while walked.insert(at) {
            let Some(n) = edges.get(&at).copied().flatten() else { break };
            if let Some(i) = path.iter().position(|t| *t == n) {
                let mut cycle = path.split_off(i);
                cycle.sort_unstable();
                found.push(cycle);
                break;
            }
            path.push(n);
            at = n;
        }
    }
    let state: HashMap<i32, &State> = threads.iter().map(|(t, s)| (*t, s)).collect();
    found.into_iter().map(|c| c.iter().filter_map(|t| Some((*t, (*state.get(t)?).clone()))).collect()).collect()
}

/// The frames that are the program's own, innermost first: the runtime's, the standard
/// library's and threadify's left out (all of them if nothing else is left).
fn own_frames(frames: &[String]) -> Vec<String> {
    const RUNTIME: [&str; 9] =
        ["wthreads::", "wthreads_", "core::", "alloc::", "std::", "dlmalloc::", "spin::", "__", "wthreads."];
    // A spawned thread's closure is called through `FnOnce::call_once`'s shim, under that name.
    let runtime = |f: &String| {
        let name = f.trim_start_matches('<');
        RUNTIME.iter().any(|p| name.starts_with(p)) && !name.contains("{{vtable.shim}}")
    };
    let own: Vec<String> = frames.iter().filter(|f| !runtime(f)).take(FRAMES).cloned().collect();
    if own.is_empty() { frames.iter().take(FRAMES).cloned().collect() } else { own }
}
