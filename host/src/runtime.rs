//! Loading a guest module and running its threads: one Engine, one compiled module, one
//! `SharedMemory`, and one `Store` + instance per host thread. A host thread runs one guest
//! thread at a time and, when it ends, parks with its instance in the [`Pool`] until the next
//! spawn takes it.

use crate::imports;
use crate::main_thread::MainThread;
use crate::pool::{Closing, Pool};
use crate::threads::{Outcome, Record, ThreadTable};
use crate::trace::{NO_SITE, Recorder};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use wasmtime::{Config, Engine, InstancePre, Linker, Module, SharedMemory, Store, TypedFunc};
use wthreads::abi;

/// Native stack for wasm execution per thread (wasmtime's `max_wasm_stack`).
const WASM_STACK: usize = 8 << 20;
/// OS stack of each thread that runs guest code (must exceed `WASM_STACK`).
const OS_STACK: usize = 16 << 20;

/// How to run a module.
#[derive(Debug, Clone)]
pub struct Options {
    /// The export to call on the main thread (`main` by default).
    pub invoke: String,
    /// Most guest threads alive at once besides the main thread.
    pub max_threads: usize,
    /// Record the run's events (`wthreads trace`): the module is instrumented for it.
    pub trace: Option<Arc<Recorder>>,
    /// The i32 arguments of the invoked export. When empty, an export that takes two
    /// parameters (C's `main(argc, argv)`) gets (0, 0) and any other gets none.
    pub args: Vec<i32>,
}

impl Default for Options {
    fn default() -> Options {
        Options { invoke: "main".into(), max_threads: 1024, trace: None, args: Vec::new() }
    }
}

/// Why a module could not be run.
#[derive(Debug)]
pub enum Error {
    /// The module is unusable: not wasm, cannot be patched, wrong imports or ABI version.
    Module(String),
    /// The invoked function trapped or panicked; the message.
    Trap(String),
    /// Every live thread was blocked for good; the report of what each waited for.
    Deadlock(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Module(m) | Error::Trap(m) | Error::Deadlock(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// A guest's `abort`: ends its thread with this message (how guest panics arrive).
#[derive(Debug)]
pub struct GuestAbort(pub String);

impl fmt::Display for GuestAbort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuestAbort {}

/// Per-thread store data.
pub struct Ctx {
    /// The runtime the thread belongs to.
    pub rt: Arc<Runtime>,
    /// The host id of the thread.
    pub tid: i32,
    /// In a traced run, the site of the runtime API call under way (`wthreads_trace.at`).
    pub site: u32,
    /// With `--memory`, the instance's access buffer.
    pub buffer: Option<crate::trace::host::Buffer>,
    /// In a traced run, the last wait context event (kind, address): the trace replaces the
    /// module's own event function, which keeps it otherwise.
    pub wait_context: Option<(i32, i32)>,
    /// The thread's entry in the deadlock watch.
    pub(crate) slot: Option<Arc<crate::watch::Slot>>,
}

impl Ctx {
    /// The data of a store that runs guest thread `tid` (0: none yet) of `rt`.
    fn new(rt: Arc<Runtime>, tid: i32) -> Ctx {
        let slot = rt.watch.slot(tid);
        Ctx { rt, tid, site: NO_SITE, buffer: None, wait_context: None, slot }
    }
}

/// A loaded guest program and its threads.
pub struct Runtime {
    engine: Engine,
    /// Set once in `load`; every thread instantiates from it.
    pre: OnceLock<InstancePre<Ctx>>,
    /// The one memory every instance imports.
    pub memory: SharedMemory,
    /// Guest threads.
    pub threads: ThreadTable,
    /// Start of the monotonic clock.
    pub epoch: Instant,
    /// How the program runs.
    pub options: Options,
    /// Host threads parked with a ready instance.
    pool: Pool<Job>,
    /// Host threads started for guest threads so far.
    host_threads_started: AtomicUsize,
    /// Held while a host thread starts (see `start_host_thread`).
    starting: Mutex<()>,
    /// What the live threads wait for, for the deadlock watchdog.
    pub watch: crate::watch::Watch,
}

/// Work for a host thread.
pub(crate) enum Job {
    /// Run guest thread `tid`.
    Run { tid: i32, record: Arc<Record>, spawn: Spawn },
    /// Leave (the pool is closing).
    Exit,
}

impl Closing for Job {
    const EXIT: Job = Job::Exit;
}

/// A host thread's instance, ready to run `wthreads_thread_start` again.
struct Ready {
    store: Store<Ctx>,
    instance: wasmtime::Instance,
    start: TypedFunc<(i32, i32, i32, i32), ()>,
}

impl Runtime {
    /// Compiles `wasm` (patching it first if needed) and prepares its imports.
    ///
    /// # Errors
    /// [`Error::Module`] naming the problem.
    pub fn load(wasm: &[u8], options: Options) -> Result<Arc<Runtime>, Error> {
        let patched;
        let mut wasm = if wthreads_threadify::is_patched(wasm) {
            wasm
        } else {
            patched = wthreads_threadify::patch(wasm).map_err(|e| Error::Module(e.to_string()))?;
            &patched[..]
        };
        let instrumented;
        if let Some(recorder) = &options.trace {
            let what = wthreads_threadify::trace::Options { memory: recorder.memory() };
            instrumented =
                wthreads_threadify::trace::instrument(wasm, &what).map_err(|e| Error::Module(e.to_string()))?;
            recorder.sites(&instrumented.sites);
            wasm = &instrumented.wasm;
        }
        let mut config = Config::new();
        config
            .wasm_threads(true)
            .shared_memory(true)
            .async_stack_size(WASM_STACK + (1 << 20))
            .max_wasm_stack(WASM_STACK)
            .compiler_inlining(wasmtime::Inlining::Yes);
        let engine = Engine::new(&config).map_err(|e| Error::Module(format!("wasmtime: {e}")))?;
        let module = Module::new(&engine, wasm).map_err(|e| Error::Module(format!("invalid module: {e:#}")))?;
        let memory = crate::checks::check_memory(&module, &engine)?;
        let rt = Arc::new(Runtime {
            engine: engine.clone(),
            pre: OnceLock::new(),
            memory: memory.clone(),
            threads: ThreadTable::new(options.max_threads),
            epoch: Instant::now(),
            options,
            host_threads_started: AtomicUsize::new(0),
            starting: Mutex::new(()),
            watch: crate::watch::Watch::default(),
            pool: Pool::new(std::thread::available_parallelism().map_or(8, |n| (2 * n.get()).max(8))),
        });
        let mut linker = Linker::new(&engine);
        // The memory is not tied to a store; this one only satisfies `define`'s signature.
        let mut store = Store::new(&engine, Ctx::new(Arc::clone(&rt), 0));
        linker.define(&store, "env", "memory", memory).map_err(|e| Error::Module(e.to_string()))?;
        imports::define(&mut linker).map_err(|e| Error::Module(e.to_string()))?;
        // A host that drifted from the runtime API's table runs nothing (every test fails).
        imports::check_definitions(&linker, &mut store).map_err(Error::Module)?;
        if let Some(recorder) = &rt.options.trace {
            let order = recorder.order_memory(&engine).map_err(Error::Module)?;
            crate::trace::host::define(&mut linker, &store, order).map_err(|e| Error::Module(e.to_string()))?;
        }
        crate::checks::check_imports(&module, rt.options.trace.is_some())?;
        drop(store);
        let pre = linker.instantiate_pre(&module).map_err(|e| Error::Module(format!("{e:#}")))?;
        rt.pre.set(pre).ok();
        Ok(rt)
    }

    fn instance_pre(&self) -> &InstancePre<Ctx> {
        self.pre.get().expect("set in Runtime::load before any thread runs")
    }

    /// Runs the invoked export on the main thread and returns its result (0 for a function
    /// without result).
    ///
    /// # Errors
    /// [`Error::Trap`] if it traps or panics, [`Error::Module`] for an ABI mismatch.
    pub fn run_main(self: &Arc<Runtime>) -> Result<i32, Error> {
        let rt = Arc::clone(self);
        let t = std::thread::Builder::new()
            .name("wthreads-main".into())
            .stack_size(OS_STACK)
            .spawn(move || {
                let invoke = rt.options.invoke.clone();
                let mut main = rt.main_thread()?;
                let given = rt.options.args.clone();
                // A Rust or C `main` is linked as C's `main(argc, argv)`: pass (0, NULL).
                let args: &[i32] = if !given.is_empty() {
                    &given
                } else if main.param_count(&invoke) == Some(2) {
                    &[0, 0]
                } else {
                    &[]
                };
                // The main thread's start and exit are recorded by `MainThread` (when it is made,
                // and dropped).
                main.call(&invoke, args)
            })
            .map_err(|e| Error::Module(format!("cannot start the main thread: {e}")))?;
        t.join().unwrap_or_else(|_| Err(Error::Trap("the host's main thread panicked".into())))
    }

    /// Instantiates the main thread (guest thread 1) on the calling OS thread and checks the
    /// guest's ABI version. Its exports can then be called any number of times.
    ///
    /// # Errors
    /// [`Error::Module`] for an ABI mismatch, or if the module's start function or its
    /// `wthreads_abi_version` traps (nothing was invoked yet).
    pub fn main_thread(self: &Arc<Runtime>) -> Result<MainThread, Error> {
        self.watch.register(abi::MAIN_THREAD_ID, None);
        if let Some(r) = &self.options.trace {
            r.enter(abi::MAIN_THREAD_ID);
        }
        crate::watch::dog::start(self);
        let mut store = Store::new(&self.engine, Ctx::new(Arc::clone(self), abi::MAIN_THREAD_ID));
        // Nothing was invoked yet: a trap here means the module cannot be run (exit status 2 in
        // both command lines), not that the invoked function trapped.
        let instance = self.instance_pre().instantiate(&mut store).map_err(|e| {
            Error::Module(format!("cannot instantiate the module: its start function trapped: {}", trap_text(&e)))
        })?;
        crate::trace::host::Buffer::attach(&instance, &mut store);
        let version = instance
            .get_typed_func::<(), i32>(&mut store, abi::EXPORT_ABI_VERSION)
            .map_err(|_| {
                Error::Module(format!(
                    "module has no `{}` export: is it linked with the wthreads crate?",
                    abi::EXPORT_ABI_VERSION
                ))
            })?
            .call(&mut store, ())
            .map_err(|e| Error::Module(format!("`{}` trapped: {}", abi::EXPORT_ABI_VERSION, trap_text(&e))))?;
        if version != abi::ABI_VERSION {
            return Err(Error::Module(format!(
                "module was built for wthreads runtime API v{version}, but this host implements v{}",
                abi::ABI_VERSION
            )));
        }
        crate::checks::check_exports(self.instance_pre().module())?;
        if self.options.trace.is_some() {
            let layout = crate::trace::host::memory_layout(&instance, &mut store);
            self.trace(abi::MAIN_THREAD_ID, abi::MEMORY_LAYOUT, (layout.0, layout.1, 0), NO_SITE, None);
        }
        self.trace(abi::MAIN_THREAD_ID, abi::THREAD_START, (0, 0, 0), NO_SITE, None);
        Ok(MainThread { rt: Arc::clone(self), store, instance, outcome: Outcome::Returned })
    }

    /// Starts a guest thread: hands it to a parked host thread, or starts a new one. Returns
    /// its id or an `ERR_*` code.
    pub(crate) fn start_thread(self: &Arc<Runtime>, spawn: Spawn) -> i32 {
        let (tid, record) = match self.threads.register() {
            Ok(r) => r,
            Err(code) => return code,
        };
        // Live from now on: it will run, and may wake threads that wait for it.
        self.watch.register(tid, spawn.name.clone());
        if let Some(r) = &self.options.trace {
            r.enter(tid);
        }
        // Recorded before the thread can start, so that the spawn precedes its start.
        // A stack limit of 0 checks nothing and says nothing of the stack's size.
        let stack =
            if spawn.stack_limit == 0 { 0 } else { spawn.stack_top.wrapping_sub(spawn.stack_limit).cast_unsigned() };
        self.trace(spawn.parent, abi::THREAD_SPAWN, (tid.cast_unsigned(), stack, 0), spawn.site, spawn.name.as_deref());
        let Err(job) = self.pool.hand_over(Job::Run { tid, record, spawn }) else { return tid };
        if self.start_host_thread(job) {
            tid
        } else {
            self.threads.unregister(tid);
            self.watch.leave(tid);
            if let Some(r) = &self.options.trace {
                r.leave(tid);
            }
            abi::ERR_SPAWN_FAILED
        }
    }

    /// Starts a host thread for `job` and waits until it is set up to run wasm, so that every
    /// failure on the way (the OS's refusal of the thread or of the memory it maps) comes back
    /// here as `false` rather than ending the process or losing the guest thread. One host
    /// thread starts at a time, so that each check of the headroom sees the ones before it.
    fn start_host_thread(self: &Arc<Runtime>, job: Job) -> bool {
        let _one_at_a_time = self.starting.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !crate::headroom::can_start_thread() {
            return false;
        }
        let (set_up, was_set_up) = std::sync::mpsc::sync_channel(1);
        let rt = Arc::clone(self);
        let started =
            std::thread::Builder::new().name("wthreads-worker".into()).stack_size(OS_STACK).spawn(move || {
                // wasmtime maps its signal stack on a thread's first entry into wasm, and panics if
                // it cannot; the instance may not fit either: both are done here first, where a
                // failure can still be reported.
                let Job::Run { tid, .. } = job else { return };
                let ready = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    Engine::tls_eager_initialize();
                    rt.instantiate_thread(tid)
                }));
                let ready = match ready {
                    Ok(Ok(ready)) => ready,
                    _ => {
                        // The spawner waits for this message, so the channel is open.
                        set_up.send(false).ok();
                        return;
                    }
                };
                set_up.send(true).ok();
                rt.host_thread(job, Some(ready));
            });
        if started.is_err() || was_set_up.recv() != Ok(true) {
            return false;
        }
        self.host_threads_started.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// A host thread: runs guest threads, parking between them, until the pool lets it go.
    fn host_thread(self: Arc<Runtime>, mut job: Job, mut ready: Option<Ready>) {
        let me = Pool::mailbox();
        while let Job::Run { tid, record, spawn } = job {
            // Whatever happens in there, the thread's end must be stored and reported below,
            // or its joiner waits forever: a host panic ends the guest thread like a trap.
            let run = std::panic::AssertUnwindSafe(|| self.run_guest_thread(&mut ready, tid, &spawn));
            let outcome = std::panic::catch_unwind(run).unwrap_or_else(|panic| {
                ready = None;
                let why = panic_message(&*panic);
                Outcome::Trapped(format!("the host failed while running this thread: {why}"))
            });
            if matches!(outcome, Outcome::Trapped(_)) {
                self.post_mortem(&mut ready, tid, &spawn);
            }
            // Parked before the joiner hears of the end, so a spawn right after the join finds
            // this thread; a job handed over now waits in the mailbox.
            self.trace_exit(tid, &outcome, spawn.exit_word);
            let parked = self.pool.offer(&me);
            // The thread's code has finished: its stack and TLS block are no longer in use.
            if let Ok(word) = crate::memory::GuestMemory::new(&self.memory).word(spawn.exit_word) {
                word.store(1, Ordering::SeqCst);
                self.memory.atomic_notify(u64::from(spawn.exit_word.cast_unsigned()), u32::MAX).ok();
            }
            self.threads.finish(tid, &record, outcome);
            self.watch.leave(tid);
            match parked.then(|| self.pool.wait(&me)).flatten() {
                Some(next) => job = next,
                None => return,
            }
        }
    }

    /// Runs one guest thread in this host thread's instance, creating it first if there is
    /// none. An instance that trapped is dropped rather than reused.
    fn run_guest_thread(self: &Arc<Runtime>, ready: &mut Option<Ready>, tid: i32, spawn: &Spawn) -> Outcome {
        let result = match ready {
            Some(r) => Ok(r),
            None => self.instantiate_thread(tid).map(|r| ready.insert(r)),
        }
        .and_then(|r| {
            let ctx = r.store.data_mut();
            ctx.tid = tid;
            ctx.slot = self.watch.slot(tid);
            ctx.wait_context = None;
            let stack = (spawn.stack_limit.cast_unsigned(), i64::from(spawn.stack_top.cast_unsigned()));
            self.trace(tid, abi::THREAD_START, (spawn.parent.cast_unsigned(), stack.0, stack.1), NO_SITE, None);
            let ended =
                r.start.call(&mut r.store, (spawn.start_arg, spawn.stack_top, spawn.tls_block, spawn.stack_limit));
            crate::trace::host::drain(&mut r.store);
            ended
        });
        match result {
            Ok(()) => Outcome::Returned,
            Err(e) => {
                if let Some(r) = ready.as_mut() {
                    self.note_death(r);
                }
                *ready = None;
                Outcome::Trapped(report(tid, spawn.name.as_deref(), &e))
            }
        }
    }

    /// After guest thread `tid` trapped, calls its entry once more in a fresh instance, on its
    /// own stack (docs/abi.md): the guest records the death, so that the locks the thread held
    /// are recovered by their next users, as after a panic. The instance is kept for the next
    /// thread if that call returned. Runs before the exit word is stored: the thread's stack is
    /// still its own, and its joiner finds the death recorded.
    fn post_mortem(self: &Arc<Runtime>, ready: &mut Option<Ready>, tid: i32, spawn: &Spawn) {
        let call = std::panic::AssertUnwindSafe(|| -> wasmtime::Result<Ready> {
            let mut r = self.instantiate_thread(tid)?;
            let called =
                r.start.call(&mut r.store, (spawn.start_arg, spawn.stack_top, spawn.tls_block, spawn.stack_limit));
            // What the call accessed (the death's record) is the thread's, before its end: left
            // in the buffer, it would go to the next thread this instance runs.
            crate::trace::host::drain(&mut r.store);
            called.map(|()| r)
        });
        // A failure here leaves the locks held, as before there was a second call.
        *ready = std::panic::catch_unwind(call).ok().and_then(Result::ok);
    }

    /// Tells the deadlock watch the owner value of the thread that just trapped in `r`, found
    /// at its thread pointer, so that the waiters of its mutexes are woken.
    fn note_death(&self, r: &mut Ready) {
        let pointer = r.instance.get_global(&mut r.store, wthreads_threadify::conventions::SELF_GLOBAL);
        let pointer = pointer.and_then(|g| g.get(&mut r.store).i32()).map_or(0, i32::cast_unsigned);
        let owner = crate::watch::report::word(self, pointer.saturating_add(abi::OWNER_AT_THREAD_POINTER));
        if let Some(owner) = owner.filter(|_| pointer != 0) {
            self.watch.died(owner);
        }
    }

    fn instantiate_thread(self: &Arc<Runtime>, tid: i32) -> wasmtime::Result<Ready> {
        let mut store = Store::new(&self.engine, Ctx::new(Arc::clone(self), tid));
        let instance = self.instance_pre().instantiate(&mut store)?;
        crate::trace::host::Buffer::attach(&instance, &mut store);
        let start = instance.get_typed_func::<(i32, i32, i32, i32), ()>(&mut store, abi::EXPORT_THREAD_START)?;
        Ok(Ready { store, instance, start })
    }

    /// Records an event of thread `tid` if the run is traced.
    pub(crate) fn trace(&self, tid: i32, kind: i32, args: (u32, u32, i64), site: u32, text: Option<&str>) {
        if let Some(r) = &self.options.trace {
            r.record(tid, kind, args, site, text);
        }
    }

    /// Records the end of thread `tid` and writes out its events, if the run is traced.
    /// `exit_word` is the word the host stores 1 in next (0 for the main thread, which has none).
    pub(crate) fn trace_exit(&self, tid: i32, outcome: &Outcome, exit_word: i32) {
        let Some(r) = &self.options.trace else { return };
        let args = (outcome.code().cast_unsigned(), exit_word.cast_unsigned(), 0);
        r.record(tid, abi::THREAD_EXIT, args, NO_SITE, outcome.message());
        r.flush_this_thread();
        r.leave(tid);
    }

    /// Host threads parked now, waiting for a spawn (for tests and diagnostics).
    pub fn parked_threads(&self) -> usize {
        self.pool.idle()
    }

    /// Host threads started so far to run guest threads (a spawn that finds a parked one
    /// starts none).
    pub fn host_threads_started(&self) -> usize {
        self.host_threads_started.load(Ordering::Relaxed)
    }

    /// Lets the parked host threads exit; threads still running exit when they end. Called
    /// when the main thread is dropped.
    pub fn close_pool(&self) {
        self.pool.close();
    }
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

/// The message of a host panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
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
fn trap_text(e: &wasmtime::Error) -> String {
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

/// Prints how a thread ended abnormally to stderr and returns the message for `join`.
pub(crate) fn report(tid: i32, name: Option<&str>, e: &wasmtime::Error) -> String {
    if e.is::<crate::watch::Deadlocked>() {
        // The deadlock's report says what it waited for; one line per thread would only repeat it.
        return crate::watch::Deadlocked.to_string();
    }
    let who = thread_label(tid, name);
    let msg = if e.is::<GuestAbort>() { describe(e) } else { format!("trapped: {}", describe(e)) };
    crate::output::stderr_line(&format!("{who} {msg}"));
    msg
}
