//! Lock-order inversions in a trace (potential deadlocks, issue 16): a cycle in the graph of
//! locks taken while others were held, as ThreadSanitizer's "lock-order-inversion" and
//! Helgrind's "lock order violated" report them, whether or not the run deadlocked.
//!
//! An edge `A → B` is made when a thread acquires `B` while holding `A`. A cycle is reported
//! once, and only if its edges can be taken from at least two threads without a lock that every
//! one of them held besides (a "gate" lock, which keeps the orders from ever meeting): the two
//! known false positives of ThreadSanitizer's detector. The runtime's own locks
//! (`LOCK_INTERNAL`) are left out: their sections never take a program's lock.

use super::reader::Trace;
use super::{Site, location};
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use wthreads::abi;

/// One way an edge was made: by `tid`, which acquired the edge's second lock at `site` while
/// holding the first, taken at `held_site`, and the other locks it held then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeSeen {
    /// The thread.
    pub tid: i32,
    /// Where it took the first lock.
    pub held_site: u32,
    /// Where it took the second.
    pub site: u32,
    /// The other locks it held.
    pub gates: BTreeSet<u32>,
}

/// A lock-order inversion: locks `cycle[0] → cycle[1] → … → cycle[0]`, and for each edge
/// `cycle[i] → cycle[i + 1]` how a thread made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inversion {
    /// The locks, by address, from the lowest.
    pub cycle: Vec<u32>,
    /// For edge `i`, a thread that made it.
    pub edges: Vec<EdgeSeen>,
}

/// How many ways of making one edge are kept (one per thread and gate set, the first seen).
const KEPT_PER_EDGE: usize = 8;
/// The longest cycle looked for.
const MAX_CYCLE: usize = 4;

/// The lock-order graph of a run, built from its events in order.
#[derive(Default)]
pub struct Graph {
    /// Each thread's held locks, in the order taken, with where.
    held: HashMap<i32, Vec<(u32, u32)>>,
    edges: BTreeMap<(u32, u32), Vec<EdgeSeen>>,
}

impl Graph {
    /// An empty graph.
    #[must_use]
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Takes in event `e` of thread `tid`.
    #[inline]
    pub fn event(&mut self, tid: i32, kind: i32, lock: u32, site: u32) {
        let what = kind & abi::EVENT_MASK;
        // Most events are memory accesses: they leave here, where the caller inlined this.
        let taken = matches!(what, abi::LOCK_ACQUIRED | abi::LOCK_RELEASED | abi::THREAD_EXIT);
        if taken && kind & abi::LOCK_INTERNAL == 0 {
            self.lock_event(tid, what, lock, site);
        }
    }

    /// [`event`](Self::event) of a kind the graph takes in.
    fn lock_event(&mut self, tid: i32, what: i32, lock: u32, site: u32) {
        let held = self.held.entry(tid).or_default();
        match what {
            abi::LOCK_ACQUIRED => {
                for (i, &(h, held_site)) in held.iter().enumerate() {
                    if h == lock {
                        continue;
                    }
                    let gates =
                        held.iter().enumerate().filter(|(j, (g, _))| *j != i && *g != lock).map(|(_, g)| g.0).collect();
                    let seen = EdgeSeen { tid, held_site, site, gates };
                    let kept = self.edges.entry((h, lock)).or_default();
                    if kept.len() < KEPT_PER_EDGE && !kept.iter().any(|k| k.tid == seen.tid && k.gates == seen.gates) {
                        kept.push(seen);
                    }
                }
                held.push((lock, site));
            }
            abi::LOCK_RELEASED => {
                if let Some(i) = held.iter().rposition(|(h, _)| *h == lock) {
                    held.remove(i);
                }
            }
            abi::THREAD_EXIT => held.clear(),
            _ => {}
        }
    }

    /// The inversions of the graph: each cycle once, from its lowest lock.
    #[must_use]
    pub fn inversions(&self) -> Vec<Inversion> {
        let mut found = Vec::new();
        let mut path = Vec::new();
        let starts: BTreeSet<u32> = self.edges.keys().map(|(from, _)| *from).collect();
        for start in starts {
            path.clear();
            path.push(start);
            self.cycles_from(start, &mut path, &mut found);
        }
        found
    }

    /// Extends `path` (from its lowest lock, `path[0]`) along edges to higher locks, recording
    /// each cycle back to `path[0]` that two threads made without a common gate.
    fn cycles_from(&self, start: u32, path: &mut Vec<u32>, found: &mut Vec<Inversion>) {
        let last = *path.last().unwrap_or(&start);
        for (&(_, next), _) in self.edges.range((last, 0)..=(last, u32::MAX)) {
            if next == start && path.len() >= 2 {
                let cycle = path.clone();
                if let Some(edges) = self.witness(&cycle) {
                    found.push(Inversion { cycle, edges });
                }
            } else if next > start && !path.contains(&next) && path.len() < MAX_CYCLE {
                path.push(next);
                self.cycles_from(start, path, found);
                path.pop();
            }
        }
    }

    /// A way of making each edge of `cycle` such that two threads take part and no lock gates
    /// them all, if there is one.
    fn witness(&self, cycle: &[u32]) -> Option<Vec<EdgeSeen>> {
        let ways: Vec<&Vec<EdgeSeen>> = (0..cycle.len())
            .map(|i| self.edges.get(&(cycle[i], cycle[(i + 1) % cycle.len()])))
            .collect::<Option<_>>()?;
        let mut choice = vec![0; ways.len()];
        loop {
            let picked: Vec<&EdgeSeen> = ways.iter().zip(&choice).map(|(w, &c)| &w[c]).collect();
            let threads: BTreeSet<i32> = picked.iter().map(|e| e.tid).collect();
            let gated = picked[0].gates.iter().any(|g| picked.iter().all(|e| e.gates.contains(g)));
            if threads.len() >= 2 && !gated {
                return Some(picked.into_iter().cloned().collect());
            }
            // The next choice, as a number whose digits count the ways of each edge.
            let mut i = 0;
            loop {
                if i == choice.len() {
                    return None;
                }
                choice[i] += 1;
                if choice[i] < ways[i].len() {
                    break;
                }
                choice[i] = 0;
                i += 1;
            }
        }
    }
}

/// Finds the lock-order inversions of `trace` and writes each one's report to `out`; returns
/// them.
///
/// # Errors
/// If `out` cannot be written.
pub fn check(trace: &Trace, out: &mut dyn Write) -> io::Result<Vec<Inversion>> {
    let mut graph = Graph::new();
    for (tid, e) in trace.merged() {
        graph.event(tid, e.kind, e.a, e.site);
    }
    let inversions = graph.inversions();
    for inv in &inversions {
        report(inv, &trace.sites, out)?;
    }
    Ok(inversions)
}

/// Writes the report of `inv`:
///
/// ```text
/// WARNING: lock-order inversion (potential deadlock)
///   Cycle in lock order graph: M0 (0x1000) => M1 (0x1008) => M0
///   M1 acquired by thread 2 while holding M0:
///     M0 taken at app::transfer+0x12
///     M1 taken at app::transfer+0x40
///   M0 acquired by thread 3 while holding M1:
///     …
/// ```
///
/// # Errors
/// If `out` cannot be written.
pub fn report(inv: &Inversion, sites: &[Site], out: &mut dyn Write) -> io::Result<()> {
    let name = |i: usize| format!("M{}", i % inv.cycle.len());
    let mut text = String::from("WARNING: lock-order inversion (potential deadlock)\n  Cycle in lock order graph: ");
    for (i, lock) in inv.cycle.iter().enumerate() {
        text += &format!("{} ({lock:#x}) => ", name(i));
    }
    text += &format!("{}\n", name(0));
    for (i, e) in inv.edges.iter().enumerate() {
        text += &format!(
            "  {} acquired by thread {} while holding {}:\n    {} taken at {}\n    {} taken at {}\n",
            name(i + 1),
            e.tid,
            name(i),
            name(i),
            location(sites, e.held_site),
            name(i + 1),
            location(sites, e.site)
        );
    }
    out.write_all(text.as_bytes())
}
