//! Data races in a trace recorded with `--memory` (issue 16's detector, offline): two accesses
//! to overlapping bytes by different threads, at least one a write and at least one not atomic,
//! that happens-before does not order.
//!
//! Happens-before comes from each thread's program order; a spawn before the thread's start;
//! its exit before the join that returns it and before an atomic read of its exit word (the
//! reclaim of a detached thread); a lock's release before its next acquire; and
//! every atomic access, as ThreadSanitizer treats wasm's sequentially consistent atomics: its
//! write side releases to the bytes' synchronisation clock, its read side acquires from it (the
//! trace orders a write side before the access and a read side after it). The runtime's own
//! hand-offs (the allocator's blocks, a reused stack) are ordered by its own locks and atomics,
//! which the trace holds: nothing is hidden by address.
//!
//! Vector clocks with FastTrack-style epochs: a byte remembers its last write and its last read
//! (every concurrent read once reads are shared), so most accesses cost O(1) per byte.

use super::reader::Trace;
use super::{Event, location};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use wthreads::abi;

/// One of the two accesses of a race.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaceAccess {
    /// The thread (its id in the trace).
    pub tid: i32,
    /// A write (else a read).
    pub write: bool,
    /// An atomic access.
    pub atomic: bool,
    /// The first byte both accesses touch.
    pub addr: u32,
    /// The access's own address and length.
    pub start: u32,
    /// Bytes the access touches.
    pub len: u32,
    /// Its site in the trace's location table.
    pub site: u32,
}

/// A data race: `earlier` (from the byte's history) and `later` (the access that found it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Race {
    /// The access recorded first.
    pub earlier: RaceAccess,
    /// The access that raced with it.
    pub later: RaceAccess,
}

/// A vector clock, indexed by thread number (see `Detector::thread`).
type Clock = Vec<u32>;

fn join(into: &mut Clock, from: &Clock) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(from) {
        *a = (*a).max(*b);
    }
}

/// An access as a byte remembers it: the thread (its number + 1; 0: none), that thread's clock
/// at the access, and what it was.
#[derive(Debug, Clone, Copy, Default)]
struct Epoch {
    thread: u32,
    clock: u32,
    site: u32,
    start: u32,
    len: u32,
    atomic: bool,
}

impl Epoch {
    /// Whether the access is ordered before an access of a thread whose clock is `now`.
    fn before(&self, now: &Clock) -> bool {
        self.thread == 0 || now.get(self.thread as usize - 1).is_some_and(|c| self.clock <= *c)
    }
}

/// What a byte remembers: its last write, and its reads since (one, or every thread's).
#[derive(Debug, Clone, Default)]
struct Shadow {
    write: Epoch,
    read: Epoch,
    /// The reads of several threads that are not ordered with each other (FastTrack's
    /// read-shared state), when there are.
    shared: Vec<Epoch>,
}

/// The detector: feed it a trace's events in order ([`Detector::event`]).
#[derive(Default)]
pub struct Detector {
    /// Thread numbers by thread id.
    numbers: HashMap<i32, usize>,
    tids: Vec<i32>,
    clocks: Vec<Clock>,
    /// What a thread that was spawned but has not started inherits.
    spawned: HashMap<i32, Clock>,
    /// The clocks of threads that exited, for their joiners.
    exited: HashMap<i32, Clock>,
    /// The clocks of locks (by address) and of atomically accessed bytes (by address).
    locks: HashMap<u32, Clock>,
    atomics: HashMap<u32, Clock>,
    shadow: HashMap<u32, Shadow>,
    /// Pairs of sites already reported.
    reported: HashSet<(u32, u32)>,
}

impl Detector {
    /// A detector that has seen nothing.
    #[must_use]
    pub fn new() -> Detector {
        Detector::default()
    }

    /// The number of thread `tid`, which gets a clock of its own on first sight.
    fn thread(&mut self, tid: i32) -> usize {
        if let Some(n) = self.numbers.get(&tid) {
            return *n;
        }
        let n = self.tids.len();
        self.numbers.insert(tid, n);
        self.tids.push(tid);
        let mut clock = vec![0; n + 1];
        clock[n] = 1;
        self.clocks.push(clock);
        n
    }

    /// Advances thread `n`'s own component (after it released something).
    fn tick(&mut self, n: usize) {
        let c = &mut self.clocks[n];
        if c.len() <= n {
            c.resize(n + 1, 0);
        }
        c[n] += 1;
    }

    /// Takes in event `e` of thread `tid`; returns the races it completes, each once per pair
    /// of sites. `access` gives an access site's (write, atomic).
    pub fn event(&mut self, tid: i32, e: &Event, access: impl Fn(u32) -> Option<(bool, bool)>) -> Vec<Race> {
        let n = self.thread(tid);
        match e.kind & abi::EVENT_MASK {
            abi::THREAD_SPAWN => {
                let clock = self.clocks[n].clone();
                join(self.spawned.entry(e.a.cast_signed()).or_default(), &clock);
                self.tick(n);
            }
            abi::THREAD_START => {
                if let Some(parent) = self.spawned.remove(&tid) {
                    join(&mut self.clocks[n], &parent);
                }
            }
            abi::THREAD_EXIT => {
                let clock = self.clocks[n].clone();
                self.exited.insert(tid, clock);
                // The host stores 1 in the exit word after this: a guest that reads it (the
                // reclaim of a detached thread) acquires the thread's whole run.
                if e.b != 0 {
                    self.release_bytes(n, e.b, 4);
                }
            }
            abi::THREAD_JOIN => {
                if let Some(child) = self.exited.get(&e.a.cast_signed()) {
                    let child = child.clone();
                    join(&mut self.clocks[n], &child);
                }
            }
            abi::LOCK_ACQUIRED => {
                if let Some(lock) = self.locks.get(&e.a) {
                    let lock = lock.clone();
                    join(&mut self.clocks[n], &lock);
                }
            }
            abi::LOCK_RELEASED => {
                let clock = self.clocks[n].clone();
                join(self.locks.entry(e.a).or_default(), &clock);
                self.tick(n);
            }
            abi::MEMORY_ACCESS | abi::MEMORY_ATOMIC => {
                let Some((write, atomic)) = access(e.site) else { return Vec::new() };
                let len = e.b;
                if atomic && !write {
                    self.acquire_bytes(n, e.a, len);
                }
                let this = RaceAccess { tid, write, atomic, addr: e.a, start: e.a, len, site: e.site };
                let races = self.access(n, this);
                if atomic && write {
                    self.release_bytes(n, e.a, len);
                }
                return races;
            }
            _ => {}
        }
        Vec::new()
    }

    fn acquire_bytes(&mut self, n: usize, addr: u32, len: u32) {
        for b in addr..addr.saturating_add(len) {
            if let Some(c) = self.atomics.get(&b) {
                let c = c.clone();
                join(&mut self.clocks[n], &c);
            }
        }
    }

    fn release_bytes(&mut self, n: usize, addr: u32, len: u32) {
        let clock = self.clocks[n].clone();
        for b in addr..addr.saturating_add(len) {
            join(self.atomics.entry(b).or_default(), &clock);
        }
        self.tick(n);
    }

    /// Checks an access against each byte's history and records it there.
    fn access(&mut self, n: usize, this: RaceAccess) -> Vec<Race> {
        let now = &self.clocks[n];
        let me = Epoch {
            thread: u32::try_from(n + 1).unwrap_or(u32::MAX),
            clock: now.get(n).copied().unwrap_or(0),
            site: this.site,
            start: this.start,
            len: this.len,
            atomic: this.atomic,
        };
        let mut found: Option<(Epoch, bool, u32)> = None;
        for b in this.start..this.start.saturating_add(this.len) {
            let s = self.shadow.entry(b).or_default();
            let races = |other: &Epoch| {
                other.thread != 0 && other.thread != me.thread && !(other.atomic && this.atomic) && !other.before(now)
            };
            if found.is_none() {
                if races(&s.write) {
                    found = Some((s.write, true, b));
                } else if this.write
                    && let Some(r) = std::iter::once(&s.read).chain(&s.shared).find(|r| races(r))
                {
                    found = Some((*r, false, b));
                }
            }
            if this.write {
                s.write = me;
                s.read = Epoch::default();
                s.shared.clear();
            } else if !s.shared.is_empty() {
                s.shared.retain(|r| r.thread != me.thread);
                s.shared.push(me);
            } else if s.read.thread == 0 || s.read.thread == me.thread || s.read.before(now) {
                s.read = me;
            } else {
                s.shared = vec![s.read, me];
                s.read = Epoch::default();
            }
        }
        let Some((other, write, addr)) = found else { return Vec::new() };
        let pair = (other.site.min(this.site), other.site.max(this.site));
        if !self.reported.insert(pair) {
            return Vec::new();
        }
        let tid = self.tids[other.thread as usize - 1];
        let earlier =
            RaceAccess { tid, write, atomic: other.atomic, addr, start: other.start, len: other.len, site: other.site };
        vec![Race { earlier, later: RaceAccess { addr, ..this } }]
    }
}

/// Finds every data race in `trace` (a trace recorded with `--memory`) and writes each one's
/// report to `out` as it is found ([`report`]); returns them in that order.
///
/// # Errors
/// If `out` cannot be written.
pub fn check(trace: &Trace, out: &mut dyn Write) -> io::Result<Vec<Race>> {
    let mut detector = Detector::new();
    let mut names = HashMap::new();
    let mut found = Vec::new();
    let access = |site: u32| trace.site(site).and_then(|s| s.access).map(|a| (a.write, a.atomic));
    for (tid, e) in trace.merged() {
        if e.kind & abi::EVENT_MASK == abi::THREAD_SPAWN
            && let Some(name) = trace.text(e.text)
        {
            names.insert(e.a.cast_signed(), name.to_string());
        }
        for race in detector.event(tid, &e, access) {
            report(&race, trace, &names, out)?;
            found.push(race);
        }
    }
    Ok(found)
}

/// Writes the report of `race`, as ThreadSanitizer words one:
///
/// ```text
/// WARNING: data race
///   Write of 4 bytes at 0x1234 by thread 3 ('worker'):
///     at my_guest::bump+0x1a2
///   Previous read of 4 bytes at 0x1234 by thread 2:
///     at my_guest::bump+0x19c
/// ```
///
/// # Errors
/// If `out` cannot be written.
pub fn report(race: &Race, trace: &Trace, names: &HashMap<i32, String>, out: &mut dyn Write) -> io::Result<()> {
    let side = |a: &RaceAccess, previous: bool| {
        let what = match (a.write, a.atomic) {
            (true, false) => "write",
            (false, false) => "read",
            (true, true) => "atomic write",
            (false, true) => "atomic read",
        };
        let what = if previous {
            format!("Previous {what}")
        } else {
            let mut w = what.to_string();
            w[..1].make_ascii_uppercase();
            w
        };
        let who = match names.get(&a.tid) {
            Some(name) => format!("thread {} ('{name}')", a.tid),
            None if a.tid == abi::MAIN_THREAD_ID => format!("thread {} (main)", a.tid),
            None => format!("thread {}", a.tid),
        };
        format!("  {what} of {} bytes at {:#x} by {who}:\n    at {}\n", a.len, a.start, location(&trace.sites, a.site))
    };
    write!(out, "WARNING: data race\n{}{}", side(&race.later, false), side(&race.earlier, true))
}
