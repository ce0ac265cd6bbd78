//! The text format: one line per event in the trace's order, for people and for tests.
//!
//! ```text
//! 12.345us thread 2 acquired 0x10c0c shared at my_guest::work+0x1a2
//! ```

use super::reader::Trace;
use super::{Event, NO_SITE, location};
use std::io::{self, Write};
use wthreads::abi;

/// Writes every event of `trace` as a line.
///
/// # Errors
/// If `out` cannot be written.
pub fn write(trace: &Trace, out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    for (tid, e) in trace.merged() {
        writeln!(out, "{}", line(trace, tid, &e))?;
    }
    if !trace.complete {
        writeln!(out, "(the trace ends early: the run did not finish)")?;
    }
    out.flush()
}

/// The line of event `e` of thread `tid`, without the newline.
#[must_use]
pub fn line(trace: &Trace, tid: i32, e: &Event) -> String {
    let what = abi::event_name(e.kind).unwrap_or("unknown-event");
    let us = e.ts_ns as f64 / 1000.0;
    let mut s = format!("{us:.3}us thread {tid} {what}");
    let text = trace.text(e.text);
    match e.kind & abi::EVENT_MASK {
        k if abi::is_lock_event(k) => {
            s += &format!(" {:#x}", e.a);
            if e.kind & abi::LOCK_SHARED != 0 {
                s += " shared";
            }
            if e.kind & abi::LOCK_INTERNAL != 0 {
                s += " internal";
            }
        }
        abi::FUTEX_WAIT => s += &format!(" {:#x} while {} timeout {}", e.a, e.b, e.c),
        abi::FUTEX_WAITED => s += &format!(" {:#x} outcome {}", e.a, e.b),
        abi::FUTEX_WAKE => s += &format!(" {:#x} woke {}", e.a, e.b),
        abi::CONDVAR_WAIT | abi::PARK => s += &format!(" {:#x} timeout {}", e.a, e.c),
        abi::CONDVAR_WOKEN => s += &format!(" {:#x}{}", e.a, if e.b != 0 { " timed-out" } else { "" }),
        abi::CONDVAR_NOTIFY => s += &format!(" {:#x}{}", e.a, if e.b != 0 { " all" } else { "" }),
        abi::UNPARKED | abi::UNPARK | abi::BARRIER_WAIT | abi::ONCE_RUN | abi::ONCE_WAITED => {
            s += &format!(" {:#x}", e.a);
        }
        abi::BARRIER_PASSED => s += &format!(" {:#x}{}", e.a, if e.b != 0 { " leader" } else { "" }),
        abi::ONCE_DONE => s += &format!(" {:#x} {}", e.a, if e.b != 0 { "completed" } else { "poisoned" }),
        abi::CHAN_SEND | abi::CHAN_RECV => s += &format!(" {:#x} message {}", e.a, e.b),
        abi::THREAD_SPAWN => s += &format!(" thread {} stack {}{}", e.a, e.b, quoted(text)),
        abi::THREAD_START => s += &format!(" by thread {}", e.a),
        abi::MEMORY_LAYOUT => s += &format!(" stack pointer {:#x} data end {:#x}", e.a, e.b),
        abi::THREAD_EXIT => {
            s += if e.a == abi::JOIN_RETURNED.cast_unsigned() { " returned" } else { " trapped" };
            s += &quoted(text);
        }
        abi::THREAD_JOIN => {
            s += &format!(" thread {} {}", e.a, if e.b == 0 { "returned" } else { "trapped" });
        }
        abi::THREAD_DETACH => s += &format!(" thread {}", e.a),
        abi::HEAP_ALLOC | abi::HEAP_FREE => s += &format!(" {:#x}", e.a),
        abi::MEMORY_ACCESS | abi::MEMORY_ATOMIC => {
            let write = trace.site(e.site).and_then(|x| x.access).is_some_and(|a| a.write);
            s += &format!(" {} {} bytes at {:#x}", if write { "write" } else { "read" }, e.b, e.a);
        }
        _ => s += &format!(" {:#x} {:#x} {}", e.a, e.b, e.c),
    }
    if e.site != NO_SITE {
        s += " at ";
        s += &location(&trace.sites, e.site);
    }
    s
}

fn quoted(text: Option<&str>) -> String {
    text.map_or_else(String::new, |t| format!(" {t:?}"))
}
