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
//!
//! A clock has one component per *slot*, not per thread ever spawned: a new thread takes over
//! the slot of a thread that ended, once its spawner has seen that end (joined it, or read its
//! exit word), and counts on from where the old thread stopped. Everything the old thread did is
//! then ordered before the new one, so an epoch of either still compares correctly, and clocks
//! stay as long as the most threads alive at once (a program that spawns and joins 100,000
//! threads one after another has clocks of two components, not 100,000).

use super::judge::Judge;
use super::origin::{Origin, Regions};
use super::reader::Trace;
use super::shadow::{Clock, Epoch, ShadowMemory};
use super::{Event, Site, location};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
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
    /// Where the memory came from, when the later access was made ([`check`] fills it in; the
    /// detector leaves it unknown).
    pub origin: Origin,
}

/// The bytes an atomic access synchronises as one: an atomic write releases to each aligned
/// word it touches, and a read acquires from each, as ThreadSanitizer keeps one clock per
/// atomic's address rather than per byte. Two atomics of different bytes of one word (flags of
/// one byte packed in a word) thus also order each other, which can only hide a race, never
/// make one up.
const SYNC_GRANULE: u32 = 4;

fn join(into: &mut Clock, from: &Clock) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(from) {
        *a = (*a).max(*b);
    }
}

/// The detector: feed it a trace's events in order ([`Detector::event`]).
#[derive(Default)]
pub struct Detector {
    /// The slot of each live thread, by thread id.
    numbers: HashMap<i32, usize>,
    /// Each slot's clock: its thread's, or the last one's that ended in it.
    clocks: Vec<Clock>,
    /// Slots whose threads ended, the latest last.
    free: Vec<usize>,
    /// The clocks of threads that exited, for their joiners.
    exited: HashMap<i32, Clock>,
    /// The clocks of locks (by address) and of atomically accessed words (by address divided
    /// by [`SYNC_GRANULE`]).
    locks: HashMap<u32, Clock>,
    atomics: HashMap<u32, Clock>,
    shadow: ShadowMemory,
    /// Pairs of sites already reported.
    reported: HashSet<(u32, u32)>,
    /// By slot: the address of the thread's last event if it was an atomic write side: the
    /// write side of a read-modify-write, whose read side the trace gives next.
    write_sides: Vec<Option<u32>>,
    /// The thread of the last event and its slot: most events follow one of the same thread.
    last_thread: Option<(i32, usize)>,
}

impl Detector {
    /// A detector that has seen nothing.
    #[must_use]
    pub fn new() -> Detector {
        Detector::default()
    }

    /// The slot of thread `tid`, which gets a new one on first sight (the main thread; a
    /// spawned thread gets its slot at its spawn).
    #[inline]
    fn thread(&mut self, tid: i32) -> usize {
        if let Some((last, n)) = self.last_thread
            && last == tid
        {
            return n;
        }
        if let Some(&n) = self.numbers.get(&tid) {
            self.last_thread = Some((tid, n));
            return n;
        }
        let n = self.clocks.len();
        self.numbers.insert(tid, n);
        let mut clock = vec![0; n + 1];
        clock[n] = 1;
        self.clocks.push(clock);
        n
    }

    /// How many slots the clocks have: the most threads the trace had alive at once, or more
    /// where a spawner had not seen the end of a thread that ended (for tests and diagnostics).
    #[must_use]
    pub fn slots(&self) -> usize {
        self.clocks.len()
    }

    /// How many free slots a spawn looks at for one it may take over.
    const REUSE_LOOKS: usize = 8;

    /// Gives thread `child`, spawned by the thread in slot `parent`, a slot and its first clock:
    /// the parent's, and a count in its own slot above any the slot had. The slot is a free one
    /// whose last thread's end the parent has seen (so that all it did is ordered before the
    /// child), else a new one.
    fn spawn(&mut self, parent: usize, child: i32) {
        let now = &self.clocks[parent];
        let seen = |s: usize| now.get(s).copied().unwrap_or(0) >= self.clocks[s][s];
        let reusable = self.free.iter().rev().take(Self::REUSE_LOOKS).position(|&s| seen(s));
        let n = match reusable {
            Some(back) => self.free.remove(self.free.len() - 1 - back),
            None => {
                self.clocks.push(Vec::new());
                self.clocks.len() - 1
            }
        };
        let mut clock = self.clocks[parent].clone();
        if clock.len() <= n {
            clock.resize(n + 1, 0);
        }
        clock[n] = self.clocks[n].get(n).copied().unwrap_or(0) + 1;
        self.clocks[n] = clock;
        self.numbers.insert(child, n);
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
        if self.write_sides.len() <= n {
            self.write_sides.resize(n + 1, None);
        }
        let write_side = self.write_sides[n].take();
        match e.kind & abi::EVENT_MASK {
            abi::THREAD_SPAWN => {
                self.spawn(n, e.a.cast_signed());
                self.tick(n);
            }
            abi::THREAD_EXIT => {
                self.exited.insert(tid, self.clocks[n].clone());
                // The host stores 1 in the exit word after this: a guest that reads it (the
                // reclaim of a detached thread) acquires the thread's whole run. No tick: the
                // thread does nothing more, and a spawner that saw its end may take its slot.
                if e.b != 0 {
                    self.publish_bytes(n, e.b, 4);
                }
                // The thread does nothing more: its slot may serve a thread spawned later.
                self.numbers.remove(&tid);
                self.last_thread = None;
                self.free.push(n);
            }
            abi::THREAD_JOIN => {
                if let Some(child) = self.exited.remove(&e.a.cast_signed()) {
                    join(&mut self.clocks[n], &child);
                }
            }
            abi::LOCK_ACQUIRED => {
                if let Some(lock) = self.locks.get(&e.a) {
                    join(&mut self.clocks[n], lock);
                }
            }
            abi::LOCK_RELEASED => {
                join(self.locks.entry(e.a).or_default(), &self.clocks[n]);
                self.tick(n);
            }
            abi::MEMORY_ACCESS | abi::MEMORY_ATOMIC => {
                let Some((write, atomic)) = access(e.site) else { return Vec::new() };
                let len = e.b;
                if atomic && !write {
                    self.acquire_bytes(n, e.a, len);
                }
                // The read side of a read-modify-write is one access with its write side, which
                // came first in the trace and was checked and recorded there, at the access's
                // place in the order. The read side takes the order counter after the access,
                // so other threads' later accesses to the word (the block's free after the last
                // `Arc` drop) may come before it in the trace: checked there, it would race
                // with them. It only acquires. (An atomic load of the word a thread has just
                // stored to, with nothing in between, is taken for one as well: a write is
                // checked against all that a read is.)
                if atomic && !write && write_side == Some(e.a) {
                    return Vec::new();
                }
                let this = RaceAccess { tid, write, atomic, addr: e.a, start: e.a, len, site: e.site };
                let races = self.access(n, this);
                if atomic && write {
                    self.write_sides[n] = Some(e.a);
                    self.release_bytes(n, e.a, len);
                }
                return races;
            }
            _ => {}
        }
        Vec::new()
    }

    /// The words (of [`SYNC_GRANULE`] bytes) that `len` bytes at `addr` touch.
    fn granules(addr: u32, len: u32) -> impl Iterator<Item = u32> {
        let first = addr / SYNC_GRANULE;
        let last = addr.saturating_add(len.max(1) - 1) / SYNC_GRANULE;
        first..=last
    }

    /// An atomic read side: thread `n` acquires what was released to the bytes.
    fn acquire_bytes(&mut self, n: usize, addr: u32, len: u32) {
        for g in Self::granules(addr, len) {
            if let Some(c) = self.atomics.get(&g) {
                join(&mut self.clocks[n], c);
            }
        }
    }

    /// Thread `n`'s clock joined into the bytes', without a tick (the thread's end).
    fn publish_bytes(&mut self, n: usize, addr: u32, len: u32) {
        for g in Self::granules(addr, len) {
            join(self.atomics.entry(g).or_default(), &self.clocks[n]);
        }
    }

    /// An atomic write side: thread `n` releases to the bytes, then ticks.
    fn release_bytes(&mut self, n: usize, addr: u32, len: u32) {
        self.publish_bytes(n, addr, len);
        self.tick(n);
    }

    /// Checks an access against each byte's history and records it there.
    fn access(&mut self, n: usize, this: RaceAccess) -> Vec<Race> {
        let now = &self.clocks[n];
        let me = Epoch {
            thread: u32::try_from(n + 1).unwrap_or(u32::MAX),
            tid: this.tid,
            clock: now.get(n).copied().unwrap_or(0),
            site: this.site,
            start: this.start,
            len: this.len,
            atomic: this.atomic,
        };
        let mut found: Option<(Epoch, bool, u32)> = None;
        let races = |other: &Epoch| {
            other.thread != 0 && other.thread != me.thread && !(other.atomic && this.atomic) && !other.before(now)
        };
        let end = this.start.saturating_add(this.len);
        let mut at = this.start;
        while at < end {
            let page = self.shadow.bytes(at, end - at);
            let first = at;
            at += page.len() as u32;
            for (b, s) in (first..).zip(page) {
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
        }
        let Some((other, write, addr)) = found else { return Vec::new() };
        let pair = (other.site.min(this.site), other.site.max(this.site));
        if !self.reported.insert(pair) {
            return Vec::new();
        }
        let earlier = RaceAccess {
            tid: other.tid,
            write,
            atomic: other.atomic,
            addr,
            start: other.start,
            len: other.len,
            site: other.site,
        };
        vec![Race { earlier, later: RaceAccess { addr, ..this }, origin: Origin::Unknown }]
    }
}

/// The data-race half of a check, fed a trace's events in order: the detector, the judge and
/// the memory's regions, reporting each race once it is judged ([`super::judge`]).
#[derive(Default)]
pub struct Races {
    detector: Detector,
    judge: Judge,
    regions: Regions,
    /// Thread names, from their spawns.
    names: HashMap<i32, String>,
    found: Vec<Race>,
}

impl Races {
    /// Nothing seen yet.
    #[must_use]
    pub fn new() -> Races {
        Races::default()
    }

    /// Takes in event `e` of thread `tid` (its text, if it has one, is `text`) and writes the
    /// report of each race judged now to `out`.
    ///
    /// # Errors
    /// If `out` cannot be written.
    pub fn event(
        &mut self,
        tid: i32,
        e: &Event,
        sites: &[Site],
        text: Option<&str>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let kind = e.kind & abi::EVENT_MASK;
        // Memory accesses, most events, name no thread and make or end no region.
        if !matches!(kind, abi::MEMORY_ACCESS | abi::MEMORY_ATOMIC) {
            if kind == abi::THREAD_SPAWN
                && let Some(name) = text
            {
                self.names.insert(e.a.cast_signed(), name.to_string());
            }
            self.regions.event(tid, e);
        }
        let access = |site: u32| sites.get(site as usize).and_then(|s| s.access).map(|a| (a.write, a.atomic));
        let mut races = self.detector.event(tid, e, access);
        if races.is_empty() && kind != abi::THREAD_EXIT && self.judge.idle() {
            return Ok(()); // nothing found, and nothing waits to be told
        }
        for race in &mut races {
            race.origin = self.regions.origin(race.later.addr);
        }
        for race in self.judge.event(tid, kind == abi::THREAD_EXIT, races) {
            report(&race, sites, &self.names, out)?;
            self.found.push(race);
        }
        Ok(())
    }

    /// Ends the check: a note of the races against threads the program's end cut off, which
    /// their records cannot judge, if there are any. Returns the races reported.
    ///
    /// # Errors
    /// If `out` cannot be written.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<Vec<Race>> {
        let unjudged = self.judge.unjudged();
        if unjudged > 0 {
            let races = if unjudged == 1 { "race" } else { "races" };
            writeln!(
                out,
                "note: {unjudged} possible data {races} against threads still running at the program's end \
                 left out (their last events were never recorded)"
            )?;
        }
        Ok(self.found)
    }
}

/// Finds every data race in `trace` (a trace recorded with `--memory`) and writes each one's
/// report to `out` once it is judged ([`report`]); returns them in that order.
///
/// A race is reported once the thread of its earlier access has recorded something past the
/// later access, or its end ([`super::judge`]); races against threads the program's end cut
/// off that their records cannot judge are left out, and a note says how many.
///
/// # Errors
/// If `out` cannot be written.
pub fn check(trace: &Trace, out: &mut dyn Write) -> io::Result<Vec<Race>> {
    let mut races = Races::new();
    for (tid, e) in trace.merged() {
        races.event(tid, &e, &trace.sites, trace.text(e.text), out)?;
    }
    races.finish(out)
}

/// Writes the report of `race`, as ThreadSanitizer words one:
///
/// ```text
/// WARNING: data race
///   Write of 4 bytes at 0x1234 by thread 3 ('worker'):
///     at my_guest::bump+0x1a2
///   Previous read of 4 bytes at 0x1234 by thread 2:
///     at my_guest::bump+0x19c
///   Location is a heap block of 16 bytes at 0x1230 allocated by thread 1 (main):
///     at my_guest::main+0x40
/// ```
///
/// # Errors
/// If `out` cannot be written.
pub fn report(race: &Race, sites: &[Site], names: &HashMap<i32, String>, out: &mut dyn Write) -> io::Result<()> {
    let who = |tid: i32| match names.get(&tid) {
        Some(name) => format!("thread {tid} ('{name}')"),
        None if tid == abi::MAIN_THREAD_ID => format!("thread {tid} (main)"),
        None => format!("thread {tid}"),
    };
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
        format!(
            "  {what} of {} bytes at {:#x} by {}:\n    at {}\n",
            a.len,
            a.start,
            who(a.tid),
            location(sites, a.site)
        )
    };
    let origin = match race.origin {
        Origin::Unknown => String::new(),
        Origin::Stack { tid } => format!("  Location is the stack of {}.\n", who(tid)),
        Origin::Heap { start, len, tid, site } => format!(
            "  Location is a heap block of {len} bytes at {start:#x} allocated by {}:\n    at {}\n",
            who(tid),
            location(sites, site)
        ),
        Origin::HeapUnseen => "  Location is the heap (a block whose allocation the trace does not show).\n".into(),
        Origin::Static => "  Location is the module's static data.\n".into(),
    };
    write!(out, "WARNING: data race\n{}{}{origin}", side(&race.later, false), side(&race.earlier, true))
}
