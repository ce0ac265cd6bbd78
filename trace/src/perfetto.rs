//! The Chrome / Perfetto JSON trace-event format (`docs/trace.md`): one track per guest thread
//! named after it, slices for the thread's life and for its waits (lock, futex, condvar, park),
//! which nest on each track; lock holds as async slices (holds of different locks need not
//! nest); flow arrows spawn → start, release → the next acquire by another thread, notify →
//! the woken wait, unpark → the unparked park, exit → join, send → the receive of that message,
//! an initialiser's end → the threads that waited for it; barrier waits and initialiser runs as
//! slices; the rest as instants.

use super::reader::Trace;
use super::{Event, location};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{self, Write};
use wthreads::abi;

/// The one process of the trace.
const PID: u32 = 1;

/// Writes `trace` as a JSON trace-event file.
///
/// # Errors
/// If `out` cannot be written.
pub fn write(trace: &Trace, out: &mut dyn Write) -> io::Result<()> {
    let mut w = Json { out: io::BufWriter::new(out), first: true };
    w.out.write_all(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")?;
    w.event(&json!({"ph": "M", "name": "process_name", "pid": PID, "tid": 0, "args": {"name": "wthreads guest"}}))?;
    let mut state = State::default();
    let mut last_ts = 0.0;
    for (tid, e) in trace.merged() {
        last_ts = us(&e);
        state.event(trace, tid, &e, &mut w)?;
    }
    for (tid, open) in &mut state.open {
        while let Some(name) = open.pop() {
            w.event(&json!({"ph": "E", "name": name, "pid": PID, "tid": tid, "ts": last_ts}))?;
        }
    }
    w.out.write_all(b"\n]}\n")?;
    w.out.flush()
}

/// Microseconds, as the format wants them.
fn us(e: &Event) -> f64 {
    e.ts_ns as f64 / 1000.0
}

/// Writes the events of the array, comma-separated.
struct Json<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> Json<W> {
    fn event(&mut self, v: &Value) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, v).map_err(io::Error::other)
    }
}

/// Where an arrow starts: the thread and time.
#[derive(Clone, Copy)]
struct From {
    tid: i32,
    ts: f64,
}

#[derive(Default)]
struct State {
    /// Each thread's open slices (begin events not yet ended), innermost last.
    open: HashMap<i32, Vec<String>>,
    /// Each thread's open lock holds by lock: the async slice ids.
    holds: HashMap<(i32, u32), Vec<u64>>,
    /// Where each thread's spawn arrow starts.
    spawned: HashMap<u32, From>,
    /// The last release of each lock.
    released: HashMap<u32, From>,
    /// The last notify of each condition variable, unpark of each park token.
    notified: HashMap<u32, From>,
    /// Where each thread's exit arrow starts.
    exited: HashMap<u32, From>,
    /// Each channel's messages sent and not yet received, by number.
    sent: HashMap<(u32, u32), From>,
    /// Where each `Once`'s initialiser ended.
    initialised: HashMap<u32, From>,
    next_id: u64,
}

impl State {
    fn event<W: Write>(&mut self, trace: &Trace, tid: i32, e: &Event, w: &mut Json<W>) -> io::Result<()> {
        // Memory accesses and the heap's blocks are the analysis's, not the timeline's: millions
        // of instants would bury the slices (and building each one's arguments would be most of
        // the work).
        if matches!(
            e.kind,
            abi::MEMORY_ACCESS | abi::MEMORY_ATOMIC | abi::HEAP_ALLOC | abi::HEAP_FREE | abi::MEMORY_LAYOUT
        ) {
            return Ok(());
        }
        let ts = us(e);
        let here = From { tid, ts };
        let what = abi::event_name(e.kind).unwrap_or("unknown-event");
        let args = json!({"event": what, "a": format!("{:#x}", e.a), "b": e.b, "c": e.c,
                          "at": location(&trace.sites, e.site)});
        let lock = format!("lock {:#x}", e.a);
        match e.kind & abi::EVENT_MASK {
            abi::THREAD_SPAWN => {
                let name = trace.text(e.text).map_or_else(|| format!("thread {}", e.a), |n| format!("{n} ({})", e.a));
                w.event(&json!({"ph": "M", "name": "thread_name", "pid": PID, "tid": e.a, "args": {"name": name}}))?;
                self.spawned.insert(e.a, here);
                self.instant(w, tid, ts, "spawn", &args)
            }
            abi::THREAD_START => {
                if tid == abi::MAIN_THREAD_ID {
                    w.event(&json!({"ph": "M", "name": "thread_name", "pid": PID, "tid": tid, "args": {"name": "main (1)"}}))?;
                }
                self.begin(w, tid, ts, format!("thread {tid}"), &args)?;
                if let Some(from) = self.spawned.remove(&tid.cast_unsigned()) {
                    self.arrow(w, "spawn", from, here)?;
                }
                Ok(())
            }
            abi::THREAD_EXIT => {
                let outcome = trace.text(e.text).unwrap_or("returned");
                self.instant(w, tid, ts, &format!("exit: {outcome}"), &args)?;
                let open = self.open.entry(tid).or_default();
                while let Some(name) = open.pop() {
                    w.event(&json!({"ph": "E", "name": name, "pid": PID, "tid": tid, "ts": ts}))?;
                }
                self.exited.insert(tid.cast_unsigned(), here);
                Ok(())
            }
            abi::THREAD_JOIN => {
                self.instant(w, tid, ts, &format!("join thread {}", e.a), &args)?;
                match self.exited.remove(&e.a) {
                    Some(from) => self.arrow(w, "join", from, here),
                    None => Ok(()),
                }
            }
            abi::LOCK_ACQUIRE_STARTED => self.begin(w, tid, ts, format!("wait {lock}"), &args),
            abi::LOCK_ACQUIRED => {
                self.end(w, tid, ts, &format!("wait {lock}"))?;
                self.next_id += 1;
                let id = self.next_id;
                self.holds.entry((tid, e.a)).or_default().push(id);
                w.event(&json!({"ph": "b", "cat": "lock", "id": id, "name": format!("hold {lock}"),
                                "pid": PID, "tid": tid, "ts": ts, "args": args}))?;
                match self.released.get(&e.a) {
                    Some(from) if from.tid != tid => self.arrow(w, "lock", *from, here),
                    _ => Ok(()),
                }
            }
            abi::LOCK_RELEASED => {
                if let Some(id) = self.holds.get_mut(&(tid, e.a)).and_then(Vec::pop) {
                    w.event(&json!({"ph": "e", "cat": "lock", "id": id, "name": format!("hold {lock}"),
                                    "pid": PID, "tid": tid, "ts": ts}))?;
                }
                self.released.insert(e.a, here);
                Ok(())
            }
            abi::FUTEX_WAIT => self.begin(w, tid, ts, format!("futex wait {:#x}", e.a), &args),
            abi::FUTEX_WAITED => self.end(w, tid, ts, &format!("futex wait {:#x}", e.a)),
            abi::CONDVAR_WAIT => self.begin(w, tid, ts, format!("condvar wait {:#x}", e.a), &args),
            abi::PARK => self.begin(w, tid, ts, format!("park {:#x}", e.a), &args),
            abi::CONDVAR_WOKEN | abi::UNPARKED => {
                let name = if e.kind & abi::EVENT_MASK == abi::UNPARKED { "park" } else { "condvar wait" };
                self.end(w, tid, ts, &format!("{name} {:#x}", e.a))?;
                match self.notified.get(&e.a) {
                    Some(from) if from.tid != tid && e.b == 0 => self.arrow(w, "wake", *from, here),
                    _ => Ok(()),
                }
            }
            abi::BARRIER_WAIT => self.begin(w, tid, ts, format!("barrier {:#x}", e.a), &args),
            abi::BARRIER_PASSED => self.end(w, tid, ts, &format!("barrier {:#x}", e.a)),
            abi::ONCE_RUN => self.begin(w, tid, ts, format!("initialise {:#x}", e.a), &args),
            abi::ONCE_DONE => {
                self.initialised.insert(e.a, here);
                self.end(w, tid, ts, &format!("initialise {:#x}", e.a))
            }
            abi::ONCE_WAITED => {
                self.instant(w, tid, ts, what, &args)?;
                match self.initialised.get(&e.a) {
                    Some(from) => self.arrow(w, "initialised", *from, here),
                    None => Ok(()),
                }
            }
            abi::CHAN_SEND => {
                self.sent.insert((e.a, e.b), here);
                self.instant(w, tid, ts, what, &args)
            }
            abi::CHAN_RECV => {
                self.instant(w, tid, ts, what, &args)?;
                match self.sent.remove(&(e.a, e.b)) {
                    Some(from) => self.arrow(w, "message", from, here),
                    None => Ok(()),
                }
            }
            abi::CONDVAR_NOTIFY | abi::UNPARK => {
                self.notified.insert(e.a, here);
                self.instant(w, tid, ts, what, &args)
            }
            _ => self.instant(w, tid, ts, what, &args),
        }
    }

    fn begin<W: Write>(&mut self, w: &mut Json<W>, tid: i32, ts: f64, name: String, args: &Value) -> io::Result<()> {
        w.event(&json!({"ph": "B", "name": name, "pid": PID, "tid": tid, "ts": ts, "args": args}))?;
        self.open.entry(tid).or_default().push(name);
        Ok(())
    }

    /// Ends the innermost open slice named `name` of the thread, and the slices opened inside
    /// it that never ended (a trace cut short), so that slices always nest. Nothing if it has
    /// none (its begin is not in the trace).
    fn end<W: Write>(&mut self, w: &mut Json<W>, tid: i32, ts: f64, name: &str) -> io::Result<()> {
        let open = self.open.entry(tid).or_default();
        let Some(at) = open.iter().rposition(|n| n == name) else { return Ok(()) };
        for n in open.drain(at..).rev() {
            w.event(&json!({"ph": "E", "name": n, "pid": PID, "tid": tid, "ts": ts}))?;
        }
        Ok(())
    }

    fn instant<W: Write>(&self, w: &mut Json<W>, tid: i32, ts: f64, name: &str, args: &Value) -> io::Result<()> {
        w.event(&json!({"ph": "i", "s": "t", "name": name, "pid": PID, "tid": tid, "ts": ts, "args": args}))
    }

    fn arrow<W: Write>(&mut self, w: &mut Json<W>, name: &str, from: From, to: From) -> io::Result<()> {
        self.next_id += 1;
        let id = self.next_id;
        w.event(
            &json!({"ph": "s", "cat": "flow", "name": name, "id": id, "pid": PID, "tid": from.tid, "ts": from.ts}),
        )?;
        w.event(&json!({"ph": "f", "bp": "e", "cat": "flow", "name": name, "id": id, "pid": PID, "tid": to.tid, "ts": to.ts}))
    }
}
