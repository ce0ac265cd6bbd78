//! The state of a runtime that every guest thread shares, whatever the embedder's store data:
//! the memory, the thread table, the deadlock watch, the trace, the output and event sinks.

use crate::events::{Event, EventSink};
use crate::output::Sinks;
use crate::threads::{Outcome, ThreadTable};
use crate::trace::{NO_SITE, Recorder};
use std::fmt;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::SharedMemory;
use wthreads::abi;

/// What every thread of a runtime shares.
pub(crate) struct Shared {
    /// The one memory every instance imports.
    pub(crate) memory: SharedMemory,
    /// How threads wait on words of the memory and wake each other.
    pub(crate) futex: crate::futex::Futex,
    /// Guest threads.
    pub(crate) threads: ThreadTable,
    /// Start of the monotonic clock.
    pub(crate) epoch: Instant,
    /// Records the run's events, if it is traced.
    pub(crate) trace: Option<Arc<Recorder>>,
    /// What the live threads wait for, for the deadlock watchdog.
    pub(crate) watch: crate::watch::Watch,
    /// The guest's stdout and stderr.
    pub(crate) sinks: Sinks,
    /// The embedder's listener.
    pub(crate) events: Option<EventSink>,
}

/// Arguments of `thread_spawn`, as validated by the import.
#[derive(Debug, Clone)]
pub(crate) struct Spawn {
    pub start_arg: i32,
    pub stack_top: i32,
    pub tls_block: i32,
    pub stack_limit: i32,
    pub exit_word: i32,
    pub name: Option<String>,
    /// The thread that spawned it.
    pub parent: i32,
    /// In a traced run, the site of the spawn call.
    pub site: u32,
}

impl Shared {
    /// Records an event of thread `tid` if the run is traced.
    pub(crate) fn trace(&self, tid: i32, kind: i32, args: (u32, u32, i64), site: u32, text: Option<&str>) {
        if let Some(r) = &self.trace {
            r.record(tid, kind, args, site, text);
        }
    }

    /// Hands `event` to the embedder's listener, if there is one.
    pub(crate) fn emit(&self, event: impl FnOnce() -> Event) {
        if let Some(listener) = &self.events {
            listener(&event());
        }
    }

    /// Records the end of thread `tid` (the trace's exit event, written out, and the listener's)
    /// `exit_word` is the word the host stores 1 in next (0 for the main thread, which has none).
    pub(crate) fn thread_ended(&self, tid: i32, outcome: &Outcome, exit_word: i32) {
        self.emit(|| Event::Exit { tid, trapped: outcome.code() == abi::JOIN_TRAPPED });
        let Some(r) = &self.trace else { return };
        let args = (outcome.code().cast_unsigned(), exit_word.cast_unsigned(), 0);
        r.record(tid, abi::THREAD_EXIT, args, NO_SITE, outcome.message());
        r.flush_this_thread();
        r.leave(tid);
    }

    /// Writes how a thread ended abnormally to the stderr sink, tells the listener, and
    /// returns the message for `join`.
    pub(crate) fn report(&self, tid: i32, name: Option<&str>, e: &wasmtime::Error) -> String {
        if e.is::<crate::watch::Deadlocked>() {
            // The deadlock's report says what it waited for; one line per thread would only repeat it.
            return crate::watch::Deadlocked.to_string();
        }
        let message = describe(e);
        let msg = if e.is::<GuestAbort>() { message.clone() } else { format!("trapped: {message}") };
        self.sinks.line(&format!("{} {msg}", thread_label(tid, name)));
        self.emit(|| Event::Abort { tid, name: name.map(str::to_owned), message });
        msg
    }
}

/// A guest's `abort`: ends its thread with this message (how guest panics arrive).
#[derive(Debug)]
pub(crate) struct GuestAbort(pub String);

impl fmt::Display for GuestAbort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuestAbort {}

/// The message of a host panic's payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("a panic")
}

/// The message of a trap: the guest's own message for an `abort`, else wasmtime's.
fn describe(e: &wasmtime::Error) -> String {
    if let Some(abort) = e.downcast_ref::<GuestAbort>() {
        return abort.0.clone();
    }
    format!("{e:?}")
}

/// A trap's message without the backtrace: the guest's own message for an `abort`, else the
/// wasm trap's description ("wasm `unreachable` instruction executed").
pub(crate) fn trap_text(e: &wasmtime::Error) -> String {
    if let Some(abort) = e.downcast_ref::<GuestAbort>() {
        return abort.0.clone();
    }
    e.downcast_ref::<wasmtime::Trap>().map_or_else(|| format!("{e:#}"), ToString::to_string)
}

/// How messages name a thread: "thread 2 'worker'", or "thread 3" without a name.
pub(crate) fn thread_label(tid: i32, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("thread {tid} '{n}'"),
        None => format!("thread {tid}"),
    }
}
