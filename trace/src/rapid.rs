//! The STD text format of the RAPID race-prediction tool (`docs/trace.md`): one event per
//! line, `T<thread>|<op>(<decor>)|<loc>`, with only the ops `acq rel r w fork join` (RAPID's
//! parser rejects `req`). Locations are integers: `site + 1`, 0 for an event without one; the
//! side file maps each to `function+offset`.
//!
//! - An exclusive lock's acquire and release are `acq(L<addr>)` and `rel(L<addr>)`.
//! - A read lock would be held by several threads at once, which RAPID's locks cannot be: a
//!   read acquire is `acq(L<addr>)` `rel(L<addr>)` where it is taken (it follows the last
//!   writer's release) and a read release the same pair (the next writer follows it). This
//!   orders readers with each other too, which can only hide races, never invent one.
//! - A spawn is `fork(T<child>)` on the spawning thread, a join `join(T<child>)`.
//! - A `Once` initialiser's end and a wait that saw it are each `acq(O<addr>) rel(O<addr>)`.
//!   Barriers and channels need nothing of their own: their mutex's lines order them.
//! - With `--memory`, an access is `r(V<word>)` or `w(V<word>)` for each 4-byte word it
//!   touches (the word's address ÷ 4, in hex), and an atomic access is that inside
//!   `acq(A<word>)` … `rel(A<word>)`, so that happens-before sees it as synchronisation.
//! - A thread that ends by a trap releases the locks it held (`rel`) as it exits: the runtime
//!   hands them to their next user, and RAPID's locks must be released before another thread
//!   acquires them. A thread that panics is marked dead before its exit is recorded, so its
//!   lock may be taken over first: then its `rel` comes just before the taker's `acq`.

use super::reader::Trace;
use super::{NO_SITE, location};
use std::collections::HashMap;
use std::io::{self, Write};
use wthreads::abi;

/// The 4-byte words (by address ÷ 4) that `len` bytes at `addr` touch.
fn words(addr: u32, len: u32) -> impl Iterator<Item = u64> {
    let first = u64::from(addr) / 4;
    let last = (u64::from(addr) + u64::from(len.max(1)) - 1) / 4;
    first..=last
}

/// Writes the RAPID lines of `trace` to `out` and its location table to `locations`.
///
/// # Errors
/// If either cannot be written.
pub fn write(trace: &Trace, out: &mut dyn Write, locations: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    let mut held: HashMap<i32, Vec<u32>> = HashMap::new();
    for (tid, e) in trace.merged() {
        let loc = if e.site == NO_SITE { 0 } else { u64::from(e.site) + 1 };
        let mut line_of = |t: i32, op: &str, decor: String| writeln!(out, "T{t}|{op}({decor})|{loc}");
        let lock = |addr: u32| format!("L{addr:x}");
        let shared = e.kind & abi::LOCK_SHARED != 0;
        if e.kind & abi::EVENT_MASK == abi::LOCK_ACQUIRED {
            let dead = held.iter_mut().find(|(t, locks)| **t != tid && locks.contains(&e.a));
            if let Some((holder, locks)) = dead {
                locks.retain(|l| *l != e.a);
                line_of(*holder, "rel", lock(e.a))?;
            }
        }
        match e.kind & abi::EVENT_MASK {
            abi::LOCK_ACQUIRED | abi::LOCK_RELEASED if shared => {
                line_of(tid, "acq", lock(e.a))?;
                line_of(tid, "rel", lock(e.a))?;
            }
            abi::LOCK_ACQUIRED => {
                held.entry(tid).or_default().push(e.a);
                line_of(tid, "acq", lock(e.a))?;
            }
            abi::LOCK_RELEASED => {
                let mine = held.entry(tid).or_default();
                if let Some(i) = mine.iter().rposition(|l| *l == e.a) {
                    mine.remove(i);
                }
                line_of(tid, "rel", lock(e.a))?;
            }
            abi::THREAD_EXIT => {
                for l in held.remove(&tid).unwrap_or_default().into_iter().rev() {
                    line_of(tid, "rel", lock(l))?;
                }
            }
            abi::MEMORY_ACCESS | abi::MEMORY_ATOMIC => {
                let write = trace.site(e.site).and_then(|s| s.access).is_some_and(|a| a.write);
                let op = if write { "w" } else { "r" };
                let atomic = e.kind == abi::MEMORY_ATOMIC;
                for word in words(e.a, e.b) {
                    if atomic {
                        line_of(tid, "acq", format!("A{word:x}"))?;
                    }
                    line_of(tid, op, format!("V{word:x}"))?;
                    if atomic {
                        line_of(tid, "rel", format!("A{word:x}"))?;
                    }
                }
            }
            // An initialiser's end orders it before the threads that waited for it (with
            // `--memory`, the atomics that publish it say so too).
            abi::ONCE_DONE | abi::ONCE_WAITED => {
                line_of(tid, "acq", format!("O{:x}", e.a))?;
                line_of(tid, "rel", format!("O{:x}", e.a))?;
            }
            abi::THREAD_SPAWN => line_of(tid, "fork", format!("T{}", e.a))?,
            abi::THREAD_JOIN => line_of(tid, "join", format!("T{}", e.a))?,
            _ => {}
        }
    }
    out.flush()?;
    let mut locations = io::BufWriter::new(locations);
    writeln!(locations, "0 (none)")?;
    for site in 0..u32::try_from(trace.sites.len()).unwrap_or(u32::MAX) {
        writeln!(locations, "{} {}", site + 1, location(&trace.sites, site))?;
    }
    locations.flush()
}
