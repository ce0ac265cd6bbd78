//! The runtime API contract shared by guests and hosts (see `docs/abi.md`).
//!
//! Every number that crosses the guest/host boundary is named here once, and every function:
//! [`IMPORTS`], [`PATCH_IMPORTS`] and [`EXPORTS`] are the runtime API as data. The guest library
//! uses these constants in its imports; the native host depends on this crate (without
//! default features) and uses the same constants and tables, so the two cannot drift apart.
//! Tests hold the rest to the tables: the imports the guest library declares (`sys/wasm.rs`),
//! the functions each host defines (the web runtime checks its own at start), threadify's
//! replacements, `web/abi.mjs` and `docs/abi.md`.

/// Version of the runtime API described in `docs/abi.md`.
///
/// A guest exports it as `wthreads_abi_version() -> i32`; a host refuses a module whose
/// version differs from its own and names both versions.
pub const ABI_VERSION: i32 = 2;

/// Import module name of the runtime API that the host provides.
pub const IMPORT_MODULE: &str = "wthreads";

/// Import module name of the functions that threadify replaces with local code.
///
/// A module that still imports from here has not been patched.
pub const PATCH_MODULE: &str = "wthreads_patch";

/// Import module name of the functions a tracing host provides to a module that threadify
/// instrumented for `trace` (`docs/trace.md`); a module run without tracing never imports it.
pub const TRACE_MODULE: &str = "wthreads_trace";

/// Import of a module instrumented by `trace --memory`, from [`TRACE_MODULE`]: a shared memory
/// of one page whose first 8 bytes are the trace's order counter (the next `seq`, an `i64`).
/// Every instance of a run imports the same one; the host takes its events' `seq` from it and
/// the guest its atomic accesses' (`docs/trace.md`).
pub const TRACE_ORDER_MEMORY: &str = "order";

/// Export of a module instrumented by `trace --memory`: the instance's buffer of recorded
/// accesses (a memory of its own; `docs/trace.md`).
pub const EXPORT_TRACE_BUFFER: &str = "wthreads_trace_buffer";

/// Export of a module instrumented by `trace --memory`: the bytes written to the buffer.
pub const EXPORT_TRACE_CURSOR: &str = "wthreads_trace_cursor";

/// Export of a module as the linker writes it (a global): the main thread's initial stack
/// pointer, which a tracing host records in [`MEMORY_LAYOUT`].
pub const EXPORT_STACK_POINTER: &str = "__stack_pointer";

/// Export of a module as the linker writes it (a global): the end of its static data, which a
/// tracing host records in [`MEMORY_LAYOUT`].
pub const EXPORT_DATA_END: &str = "__data_end";

/// Export that threadify adds: the guest's event function (`wthreads_patch.event`), empty
/// until `trace` instruments its callers.
pub const EXPORT_EVENT: &str = "wthreads_event";

/// Export through which the guest reports its ABI version.
pub const EXPORT_ABI_VERSION: &str = "wthreads_abi_version";

/// Export that the guest library provides: runs the closure of a new thread.
pub const EXPORT_THREAD_ENTRY: &str = "wthreads_thread_entry";

/// Export that threadify adds: `(start_arg, stack_top, tls_block, stack_limit)`; the host calls
/// it in a new instance to start a thread.
pub const EXPORT_THREAD_START: &str = "wthreads_thread_start";

/// Export of the guest library: `(size, align) -> address`, allocates in the guest's memory
/// with the program's global allocator for a host (0 if it cannot).
pub const EXPORT_ALLOC: &str = "wthreads_alloc";

/// Export of the guest library: `(address, size, align)`, frees what [`EXPORT_ALLOC`] returned.
pub const EXPORT_FREE: &str = "wthreads_free";

/// wasm-bindgen's import module in a module it has not processed yet (the order of the
/// README's "With wasm-bindgen": patch first, then wasm-bindgen).
pub const BINDGEN_PLACEHOLDER_MODULE: &str = "__wbindgen_placeholder__";

/// How the import module of wasm-bindgen's JavaScript glue ends in a module it made
/// (`./NAME_bg.js`, beside the glue `NAME.js`); the module imports its memory from it too.
pub const BINDGEN_GLUE_SUFFIX: &str = "_bg.js";

/// The start function wasm-bindgen adds to a module whose memory is shared (its glue calls it).
pub const EXPORT_BINDGEN_START: &str = "__wbindgen_start";

/// Name of the custom section that marks a module as patched by threadify.
pub const PATCHED_SECTION: &str = "wthreads.threadify";

/// Thread id of the thread that runs the invoked entry function.
pub const MAIN_THREAD_ID: i32 = 1;

/// `thread_join`: the thread returned from its entry normally.
pub const JOIN_RETURNED: i32 = 0;
/// `thread_join`: the thread ended by a trap (a panic reaches the host as a trap via `abort`).
pub const JOIN_TRAPPED: i32 = 1;

/// `wait32`: woken by `wake` (or spuriously).
pub const WAIT_WOKEN: i32 = 0;
/// `wait32`: the word did not hold the expected value; the caller did not sleep.
pub const WAIT_NOT_EQUAL: i32 = 1;
/// `wait32`: the timeout elapsed.
pub const WAIT_TIMED_OUT: i32 = 2;

/// `wake`: wake every waiter.
pub const WAKE_ALL: u32 = u32::MAX;

/// `wait32`: no timeout (any negative value means the same).
pub const NO_TIMEOUT: i64 = -1;

/// The runtime API function through which a patched module waits with no timeout:
/// `wait_watched(addr, expected, what, what_addr, thread) -> i32` is `wait32(addr, expected,
/// NO_TIMEOUT)` for a host that watches for deadlocks (`docs/abi.md`, "Deadlocks"). `what` and
/// `what_addr` are the kind and address of the last event of [`WAIT_CONTEXT_EVENTS`] the thread
/// reported (`what` is [`NO_WAIT_CONTEXT`] if there was none), and `thread` its thread pointer
/// ([`OWNER_AT_THREAD_POINTER`]). A host may return `WAIT_WOKEN` early (a spurious wake).
pub const WAIT_WATCHED: &str = "wait_watched";

/// The events that say what a thread's next wait is for: a contended lock, a condition
/// variable, a barrier, a park. Threadify's event function keeps the last of them per thread.
pub const WAIT_CONTEXT_EVENTS: [i32; 4] = [LOCK_ACQUIRE_STARTED, CONDVAR_WAIT, BARRIER_WAIT, PARK];

/// `wait_watched`'s `what` before a thread reported any of [`WAIT_CONTEXT_EVENTS`].
pub const NO_WAIT_CONTEXT: i32 = -1;

/// The thread pointer (`wthreads_patch.self_get`) of a thread that has one points at the
/// `u32` owner value that the thread writes into the word of each `Mutex` it holds (with bit 31
/// set while others wait): at byte offset 4.
pub const OWNER_AT_THREAD_POINTER: u32 = 4;

/// The bit of a `Mutex`'s word that says other threads may be waiting; the rest is the
/// holder's owner value (0: unlocked).
pub const MUTEX_CONTENDED: u32 = 1 << 31;

/// `write`: the guest's standard output.
pub const FD_STDOUT: i32 = 1;
/// `write`: the guest's standard error.
pub const FD_STDERR: i32 = 2;

/// The event part of an event kind (`docs/trace.md`); the bits above it are flags. Events
/// reach a tracing host through `wthreads_patch.event(kind, a, b, c)`, which threadify makes an
/// empty function for `run` and a call of `wthreads_trace.event` for `trace`.
pub const EVENT_MASK: i32 = 0xFF;
/// Event: a thread's acquire of the lock at `a` has to wait (its fast path failed); an
/// acquire that does not wait is only `LOCK_ACQUIRED`.
pub const LOCK_ACQUIRE_STARTED: i32 = 0;
/// Event: a thread holds the lock at `a`.
pub const LOCK_ACQUIRED: i32 = 1;
/// Event: a thread releases the lock at `a` (reported just before the release).
pub const LOCK_RELEASED: i32 = 2;
/// Event: a thread's `try_lock` (`try_read`, `try_write`) found the lock at `a` held and
/// returned without it.
pub const LOCK_TRY_FAILED: i32 = 3;
/// Lock event flag: the lock is taken shared (an `RwLock`'s read lock), not exclusively.
pub const LOCK_SHARED: i32 = 0x100;
/// Lock event flag: a lock of the runtime itself (its allocator, its list of ended threads),
/// not one the program created (a channel's lock is a `Mutex` of the program's).
pub const LOCK_INTERNAL: i32 = 0x200;
/// Lock event flag: an `RwLock`'s lock (its words do not hold the owner value of a holder,
/// as a `Mutex`'s word does: see [`WAIT_WATCHED`]).
pub const LOCK_RWLOCK: i32 = 0x400;
/// Event: a thread waits on the futex word at `a` while it holds the value `b`; `c` is the timeout in
/// nanoseconds or `NO_TIMEOUT`.
pub const FUTEX_WAIT: i32 = 16;
/// Event: a thread's wait on the futex word at `a` ended with outcome `b` (`WAIT_*`).
pub const FUTEX_WAITED: i32 = 17;
/// Event: a thread woke `b` waiters of the futex word at `a` (reported after the wake).
pub const FUTEX_WAKE: i32 = 18;
/// Event: a thread waits on the condition variable at `a` (before it releases its mutex); `c`
/// is the timeout in nanoseconds or `NO_TIMEOUT`.
pub const CONDVAR_WAIT: i32 = 32;
/// Event: a thread's wait on the condition variable at `a` ended (before it takes its mutex
/// again); `b` is 1 if it timed out.
pub const CONDVAR_WOKEN: i32 = 33;
/// Event: a thread notifies the condition variable at `a`; `b` is 1 for `notify_all`.
pub const CONDVAR_NOTIFY: i32 = 34;
/// Event: a thread arrives at the barrier at `a` (`Barrier::wait`).
pub const BARRIER_WAIT: i32 = 40;
/// Event: a thread leaves the barrier at `a`; `b` is 1 for the leader.
pub const BARRIER_PASSED: i32 = 41;
/// Event: a thread runs the initialiser of the `Once` at `a` (`call_once`, `OnceLock`, …).
pub const ONCE_RUN: i32 = 48;
/// Event: the initialiser of the `Once` at `a` ended (before it is published); `b` is 1 if it
/// completed, 0 if it unwound (the `Once` is poisoned).
pub const ONCE_DONE: i32 = 49;
/// Event: a thread that waited for another thread's initialiser of the `Once` at `a` saw it
/// complete (a caller that finds it complete at once reports nothing).
pub const ONCE_WAITED: i32 = 50;
/// Event: a thread sends message `b` (1, 2, … per channel) on the channel at `a` (recorded
/// under the channel's lock, as the message is queued).
pub const CHAN_SEND: i32 = 64;
/// Event: a thread receives message `b` (1, 2, … per channel) from the channel at `a`.
pub const CHAN_RECV: i32 = 65;
/// Event: a thread parks on its park token at `a` (`thread::park`); `c` is the timeout in
/// nanoseconds or `NO_TIMEOUT`.
pub const PARK: i32 = 56;
/// Event: a thread's `park` on its token at `a` returned.
pub const UNPARKED: i32 = 57;
/// Event: a thread makes the park token at `a` available (`Thread::unpark`; before the token
/// is given).
pub const UNPARK: i32 = 58;
/// Host event: thread `a` was spawned with a shadow stack of `b` bytes (its name, if any, is
/// the event's text).
pub const THREAD_SPAWN: i32 = 128;
/// Host event: the thread starts running; `a` is the thread that spawned it, `b` and `c` the
/// low end and the top of its shadow stack.
pub const THREAD_START: i32 = 129;
/// Host event: the thread ended; `a` is `JOIN_RETURNED` or `JOIN_TRAPPED` (the message is the
/// event's text).
pub const THREAD_EXIT: i32 = 130;
/// Host event: the thread joined thread `a`, which ended with `b` (`JOIN_*`).
pub const THREAD_JOIN: i32 = 131;
/// Host event: the thread detached thread `a`.
pub const THREAD_DETACH: i32 = 132;
/// Trace event (`--memory`): a plain access of `b` bytes at `a`, whose site says whether it
/// reads or writes (the raw trace records these compactly; readers give them as events).
pub const MEMORY_ACCESS: i32 = 133;
/// Trace event (`--memory`): an atomic access of `b` bytes at `a` (its site says which side:
/// a write takes its `seq` before the access, a read after it).
pub const MEMORY_ATOMIC: i32 = 134;
/// Host event, before the main thread's start: the module's layout of its memory, `a` the
/// initial stack pointer (`__stack_pointer`: the main thread's stack is below it) and `b` the
/// end of its static data (`__data_end`). Either is 0 if the module does not export it.
pub const MEMORY_LAYOUT: i32 = 135;
/// Trace event (`--memory`): the thread's allocator call returned the heap block at `a`
/// (0 when it failed). `b` and `c` are its layout's two words (size and alignment) in the
/// order the allocator function takes them, or the size and 0 for a reallocation.
pub const HEAP_ALLOC: i32 = 136;
/// Trace event (`--memory`): the thread gives the heap block at `a` back to its allocator
/// (recorded before the call, so before another thread can be given it).
pub const HEAP_FREE: i32 = 137;

/// The name of an event kind's event (`"acquired"`), `None` for an unknown one.
#[must_use]
pub fn event_name(kind: i32) -> Option<&'static str> {
    Some(match kind & EVENT_MASK {
        LOCK_ACQUIRE_STARTED => "acquire-started",
        LOCK_ACQUIRED => "acquired",
        LOCK_RELEASED => "released",
        LOCK_TRY_FAILED => "try-failed",
        FUTEX_WAIT => "futex-wait",
        FUTEX_WAITED => "futex-waited",
        FUTEX_WAKE => "futex-wake",
        CONDVAR_WAIT => "condvar-wait",
        CONDVAR_WOKEN => "condvar-woken",
        CONDVAR_NOTIFY => "condvar-notify",
        BARRIER_WAIT => "barrier-wait",
        BARRIER_PASSED => "barrier-passed",
        ONCE_RUN => "once-run",
        ONCE_DONE => "once-done",
        ONCE_WAITED => "once-waited",
        CHAN_SEND => "send",
        CHAN_RECV => "recv",
        PARK => "park",
        UNPARKED => "unparked",
        UNPARK => "unpark",
        THREAD_SPAWN => "spawn",
        THREAD_START => "start",
        THREAD_EXIT => "exit",
        THREAD_JOIN => "join",
        THREAD_DETACH => "detach",
        MEMORY_ACCESS => "access",
        MEMORY_ATOMIC => "atomic",
        MEMORY_LAYOUT => "memory-layout",
        HEAP_ALLOC => "alloc",
        HEAP_FREE => "free",
        _ => return None,
    })
}

/// Whether an event kind is one of the lock events (`LOCK_*`, with any flags).
#[must_use]
pub const fn is_lock_event(kind: i32) -> bool {
    (kind & EVENT_MASK) <= LOCK_TRY_FAILED
}

/// Error: no thread has this id, or it was detached.
pub const ERR_NO_SUCH_THREAD: i32 = -1;
/// Error: a thread tried to join itself.
pub const ERR_JOIN_SELF: i32 = -2;
/// Error: the thread was already joined (or another thread is joining it).
pub const ERR_ALREADY_JOINED: i32 = -3;
/// Error: the host's limit on live threads is reached.
pub const ERR_THREAD_LIMIT: i32 = -4;
/// Error: a pointer or range lies outside linear memory.
pub const ERR_OUT_OF_BOUNDS: i32 = -5;
/// Error: an address is not aligned as the operation requires.
pub const ERR_MISALIGNED: i32 = -6;
/// Error: an unknown file descriptor.
pub const ERR_BAD_FD: i32 = -7;
/// Error: the host could not create the thread (out of OS resources).
pub const ERR_SPAWN_FAILED: i32 = -8;
/// Error: an argument is invalid (for example a negative length).
pub const ERR_INVALID_ARGUMENT: i32 = -9;

/// Every numeric constant of this module by name, for the hosts written in other languages to
/// mirror (`web/abi.mjs`); `host/tests/contract.rs` holds both the mirror and this list to the
/// constants declared here.
pub const CONSTANTS: &[(&str, i64)] = &[
    ("ABI_VERSION", ABI_VERSION as i64),
    ("MAIN_THREAD_ID", MAIN_THREAD_ID as i64),
    ("JOIN_RETURNED", JOIN_RETURNED as i64),
    ("JOIN_TRAPPED", JOIN_TRAPPED as i64),
    ("WAIT_WOKEN", WAIT_WOKEN as i64),
    ("WAIT_NOT_EQUAL", WAIT_NOT_EQUAL as i64),
    ("WAIT_TIMED_OUT", WAIT_TIMED_OUT as i64),
    ("WAKE_ALL", WAKE_ALL as i64),
    ("NO_TIMEOUT", NO_TIMEOUT),
    ("NO_WAIT_CONTEXT", NO_WAIT_CONTEXT as i64),
    ("OWNER_AT_THREAD_POINTER", OWNER_AT_THREAD_POINTER as i64),
    ("MUTEX_CONTENDED", MUTEX_CONTENDED as i64),
    ("FD_STDOUT", FD_STDOUT as i64),
    ("FD_STDERR", FD_STDERR as i64),
    ("EVENT_MASK", EVENT_MASK as i64),
    ("LOCK_ACQUIRE_STARTED", LOCK_ACQUIRE_STARTED as i64),
    ("LOCK_ACQUIRED", LOCK_ACQUIRED as i64),
    ("LOCK_RELEASED", LOCK_RELEASED as i64),
    ("LOCK_TRY_FAILED", LOCK_TRY_FAILED as i64),
    ("LOCK_SHARED", LOCK_SHARED as i64),
    ("LOCK_INTERNAL", LOCK_INTERNAL as i64),
    ("LOCK_RWLOCK", LOCK_RWLOCK as i64),
    ("FUTEX_WAIT", FUTEX_WAIT as i64),
    ("FUTEX_WAITED", FUTEX_WAITED as i64),
    ("FUTEX_WAKE", FUTEX_WAKE as i64),
    ("CONDVAR_WAIT", CONDVAR_WAIT as i64),
    ("CONDVAR_WOKEN", CONDVAR_WOKEN as i64),
    ("CONDVAR_NOTIFY", CONDVAR_NOTIFY as i64),
    ("BARRIER_WAIT", BARRIER_WAIT as i64),
    ("BARRIER_PASSED", BARRIER_PASSED as i64),
    ("ONCE_RUN", ONCE_RUN as i64),
    ("ONCE_DONE", ONCE_DONE as i64),
    ("ONCE_WAITED", ONCE_WAITED as i64),
    ("CHAN_SEND", CHAN_SEND as i64),
    ("CHAN_RECV", CHAN_RECV as i64),
    ("PARK", PARK as i64),
    ("UNPARKED", UNPARKED as i64),
    ("UNPARK", UNPARK as i64),
    ("THREAD_SPAWN", THREAD_SPAWN as i64),
    ("THREAD_START", THREAD_START as i64),
    ("THREAD_EXIT", THREAD_EXIT as i64),
    ("THREAD_JOIN", THREAD_JOIN as i64),
    ("THREAD_DETACH", THREAD_DETACH as i64),
    ("MEMORY_ACCESS", MEMORY_ACCESS as i64),
    ("MEMORY_ATOMIC", MEMORY_ATOMIC as i64),
    ("MEMORY_LAYOUT", MEMORY_LAYOUT as i64),
    ("HEAP_ALLOC", HEAP_ALLOC as i64),
    ("HEAP_FREE", HEAP_FREE as i64),
    ("ERR_NO_SUCH_THREAD", ERR_NO_SUCH_THREAD as i64),
    ("ERR_JOIN_SELF", ERR_JOIN_SELF as i64),
    ("ERR_ALREADY_JOINED", ERR_ALREADY_JOINED as i64),
    ("ERR_THREAD_LIMIT", ERR_THREAD_LIMIT as i64),
    ("ERR_OUT_OF_BOUNDS", ERR_OUT_OF_BOUNDS as i64),
    ("ERR_MISALIGNED", ERR_MISALIGNED as i64),
    ("ERR_BAD_FD", ERR_BAD_FD as i64),
    ("ERR_SPAWN_FAILED", ERR_SPAWN_FAILED as i64),
    ("ERR_INVALID_ARGUMENT", ERR_INVALID_ARGUMENT as i64),
];

/// A short name for an error code, for messages (`"ERR_NO_SUCH_THREAD"`).
#[must_use]
pub const fn error_name(code: i32) -> &'static str {
    match code {
        ERR_NO_SUCH_THREAD => "no such thread",
        ERR_JOIN_SELF => "a thread cannot join itself",
        ERR_ALREADY_JOINED => "thread already joined",
        ERR_THREAD_LIMIT => "thread limit reached",
        ERR_OUT_OF_BOUNDS => "address out of bounds",
        ERR_MISALIGNED => "misaligned address",
        ERR_BAD_FD => "bad file descriptor",
        ERR_SPAWN_FAILED => "the host could not create a thread",
        ERR_INVALID_ARGUMENT => "invalid argument",
        _ => "unknown error",
    }
}

/// A value type of the runtime API (pointers and sizes are `I32` on wasm32).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Val {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
}

/// One function of the runtime API: its name in its module, and its type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Function {
    /// The field name of the import or export.
    pub name: &'static str,
    /// Parameter types.
    pub params: &'static [Val],
    /// Result types.
    pub results: &'static [Val],
}

impl Function {
    /// The type as the runtime API's messages write it: `(i32, i32) -> (i32)`.
    #[must_use]
    pub const fn signature(&self) -> Signature {
        Signature(self.params, self.results)
    }
}

/// A function type, displayed as `(i32, i32) -> (i32)` (see [`Function::signature`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Signature(pub &'static [Val], pub &'static [Val]);

impl core::fmt::Display for Signature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let list = |f: &mut core::fmt::Formatter<'_>, vals: &[Val]| {
            for (i, v) in vals.iter().enumerate() {
                f.write_str(if i > 0 { ", " } else { "" })?;
                f.write_str(match v {
                    Val::I32 => "i32",
                    Val::I64 => "i64",
                })?;
            }
            Ok(())
        };
        f.write_str("(")?;
        list(f, self.0)?;
        f.write_str(") -> (")?;
        list(f, self.1)?;
        f.write_str(")")
    }
}

const fn func(name: &'static str, params: &'static [Val], results: &'static [Val]) -> Function {
    Function { name, params, results }
}

use Val::{I32, I64};

/// Every function of import module [`IMPORT_MODULE`], which each host provides (`docs/abi.md`
/// describes each).
pub const IMPORTS: &[Function] = &[
    func("thread_spawn", &[I32; 7], &[I32]),
    func("thread_join", &[I32; 4], &[I32]),
    func("thread_detach", &[I32], &[I32]),
    func("thread_yield", &[], &[]),
    func("available_parallelism", &[], &[I32]),
    func("wait32", &[I32, I32, I64], &[I32]),
    func("wake", &[I32, I32], &[I32]),
    func("abort", &[I32, I32], &[]),
    func("write", &[I32, I32, I32], &[I32]),
    func("clock_ns", &[], &[I64]),
    func(WAIT_WATCHED, &[I32; 5], &[I32]),
];

/// Every function of import module [`PATCH_MODULE`], which threadify replaces with code of the
/// module itself (per-instance globals): no host ever sees them.
pub const PATCH_IMPORTS: &[Function] = &[
    func("tls_size", &[], &[I32]),
    func("tls_align", &[], &[I32]),
    func("self_get", &[], &[I32]),
    func("self_set", &[I32], &[]),
    func("owner_get", &[], &[I32]),
    func("event", &[I32, I32, I32, I64], &[]),
];

/// Every function of import module [`TRACE_MODULE`], which a tracing host provides
/// (`docs/trace.md`): `event` receives the guest's events with the site of the call (an index
/// into the trace's location table), `at` tells the host the site of the next runtime API call;
/// with `--memory`, `flush(bytes)` hands over a full access buffer (the module also imports the
/// memory [`TRACE_ORDER_MEMORY`]).
pub const TRACE_IMPORTS: &[Function] =
    &[func("event", &[I32, I32, I32, I64, I32], &[]), func("at", &[I32], &[]), func("flush", &[I32], &[])];

/// The exports a host calls (besides the export it is asked to invoke).
pub const EXPORTS: &[Function] = &[func(EXPORT_ABI_VERSION, &[], &[I32]), func(EXPORT_THREAD_START, &[I32; 4], &[])];

/// The exports through which a host allocates in the guest's memory, to pass a call its input
/// (docs/abi.md, "Memory for the host"). Every guest has them; a host that never allocates
/// need not check or call them.
pub const ALLOC_EXPORTS: &[Function] = &[func(EXPORT_ALLOC, &[I32; 2], &[I32]), func(EXPORT_FREE, &[I32; 3], &[])];

/// The function named `name` in `table`.
#[must_use]
pub fn find(table: &[Function], name: &str) -> Option<Function> {
    table.iter().copied().find(|f| f.name == name)
}
