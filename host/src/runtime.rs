//! A runtime: one compiled module, one `SharedMemory`, and one `Store` + instance per host
//! thread, each store's data the embedder's `T`. A host thread runs one guest thread at a time
//! and, when it ends, parks with its instance in the [`Pool`] until the next spawn takes it.

use crate::builder::Builder;
use crate::ctx::{Spawner, WthreadsCtx, WthreadsView};
use crate::error::Error;
use crate::events::Event;
use crate::main_thread::MainThread;
use crate::output::Sinks;
use crate::pool::{Closing, Pool};
use crate::shared::{Shared, Spawn, panic_message, trap_text};
use crate::threads::{Outcome, Record, ThreadTable};
use crate::trace::NO_SITE;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use wasmtime::{Engine, InstancePre, Linker, Module, Store, TypedFunc};
use wthreads::abi;

/// OS stack of each host thread that runs guest code: more than the wasm stack
/// [`configure`](crate::configure) allows.
pub(crate) const OS_STACK: usize = 16 << 20;

/// Makes the store data of a new store around the runtime's context.
pub(crate) type MakeData<T> = Box<dyn Fn(WthreadsCtx) -> T + Send + Sync>;

/// A loaded guest program and its threads; `T` is the data of every thread's store. Made by a
/// [`Builder`], or by [`Runtime::load`] for a module on its own; its exports are called through
/// its [`main_thread`](Runtime::main_thread).
pub struct Runtime<T: 'static> {
    /// What every thread shares.
    pub(crate) shared: Arc<Shared>,
    engine: Engine,
    /// Set once in `new`; every thread instantiates from it.
    pre: OnceLock<InstancePre<T>>,
    /// The embedder's constructor of store data.
    data: MakeData<T>,
    /// Host threads parked with a ready instance.
    pool: Pool<Job>,
    /// Host threads started for guest threads so far.
    host_threads_started: AtomicUsize,
    /// Held while a host thread starts (see `start_host_thread`).
    starting: Mutex<()>,
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
struct Ready<T: 'static> {
    store: Store<T>,
    instance: wasmtime::Instance,
    start: TypedFunc<(i32, i32, i32, i32), ()>,
}

impl<T: WthreadsView> Runtime<T> {
    /// The runtime of `module` as `b` says (see [`Builder::build`]).
    pub(crate) fn new(b: Builder, linker: &Linker<T>, module: &Module, data: MakeData<T>) -> Result<Arc<Self>, Error> {
        let engine = module.engine().clone();
        let memory = crate::checks::check_memory(module, &engine)?;
        let traced = b.trace.is_some();
        let shared = Arc::new(Shared {
            memory: memory.clone(),
            futex: crate::futex::Futex::new(memory.clone(), module),
            threads: ThreadTable::new(b.max_threads),
            epoch: Instant::now(),
            trace: b.trace,
            watch: crate::watch::Watch::default(),
            sinks: Sinks::new(b.stdout, b.stderr),
            events: b.events,
        });
        let rt = Arc::new(Runtime {
            shared,
            engine,
            pre: OnceLock::new(),
            data,
            host_threads_started: AtomicUsize::new(0),
            starting: Mutex::new(()),
            pool: Pool::new(std::thread::available_parallelism().map_or(8, |n| (2 * n.get()).max(8))),
        });
        let mut linker = linker.clone();
        // The memory is not tied to a store; this one only satisfies `define`'s signature.
        let mut store = rt.store(0);
        let defined = |e: wasmtime::Error| Error::Module(format!("{e:#}"));
        linker.define(&store, "env", "memory", memory).map_err(defined)?;
        // A host that drifted from the runtime API's table runs nothing (every test fails).
        crate::imports::check_definitions(&linker, &mut store).map_err(Error::Module)?;
        if let Some(recorder) = &rt.shared.trace {
            let order = recorder.order_memory(&rt.engine).map_err(Error::Module)?;
            crate::trace::host::define(&mut linker, &store, order).map_err(defined)?;
        }
        crate::checks::check_imports(module, traced, |m, n| linker.get(&mut store, m, n).is_ok())?;
        drop(store);
        let pre = linker.instantiate_pre(module).map_err(defined)?;
        rt.pre.set(pre).ok();
        Ok(rt)
    }

    /// A store of guest thread `tid` (0: none yet) with the embedder's data.
    fn store(self: &Arc<Self>, tid: i32) -> Store<T> {
        let spawner: Arc<dyn Spawner> = Arc::clone(self) as Arc<dyn Spawner>;
        Store::new(&self.engine, (self.data)(WthreadsCtx::new(Arc::clone(&self.shared), spawner, tid)))
    }

    fn instance_pre(&self) -> &InstancePre<T> {
        self.pre.get().expect("set in Runtime::new before any thread runs")
    }

    /// The compiled module.
    #[must_use]
    pub fn module(&self) -> &Module {
        self.instance_pre().module()
    }

    /// Instantiates the main thread (guest thread 1) on the calling OS thread and checks the
    /// guest's ABI version. Its exports can then be called any number of times, on this OS
    /// thread or another; the thread that calls needs a larger stack than the engine's
    /// `max_wasm_stack` (8 MiB with [`configure`](crate::configure)).
    ///
    /// # Errors
    /// [`Error::Module`] for an ABI mismatch, or if the module's start function or its
    /// `wthreads_abi_version` traps (nothing was invoked yet).
    pub fn main_thread(self: &Arc<Self>) -> Result<MainThread<T>, Error> {
        let shared = &self.shared;
        shared.watch.register(abi::MAIN_THREAD_ID, None);
        if let Some(r) = &shared.trace {
            r.enter(abi::MAIN_THREAD_ID);
        }
        crate::watch::dog::start(shared);
        let mut store = self.store(abi::MAIN_THREAD_ID);
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
        crate::checks::check_exports(self.module())?;
        if shared.trace.is_some() {
            let layout = crate::trace::host::memory_layout(&instance, &mut store);
            shared.trace(abi::MAIN_THREAD_ID, abi::MEMORY_LAYOUT, (layout.0, layout.1, 0), NO_SITE, None);
        }
        shared.trace(abi::MAIN_THREAD_ID, abi::THREAD_START, (0, 0, 0), NO_SITE, None);
        Ok(MainThread::new(Arc::clone(self), store, instance))
    }

    /// Starts a host thread for `job` and waits until it is set up to run wasm, so that every
    /// failure on the way (the OS's refusal of the thread or of the memory it maps) comes back
    /// here as `false` rather than ending the process or losing the guest thread. One host
    /// thread starts at a time, so that each check of the headroom sees the ones before it.
    fn start_host_thread(self: &Arc<Self>, job: Job) -> bool {
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
    fn host_thread(self: Arc<Self>, mut job: Job, mut ready: Option<Ready<T>>) {
        let me = Pool::mailbox();
        let shared = Arc::clone(&self.shared);
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
            shared.thread_ended(tid, &outcome, spawn.exit_word);
            let parked = self.pool.offer(&me);
            // The thread's code has finished: its stack and TLS block are no longer in use.
            if let Ok(word) = crate::memory::GuestMemory::new(&shared.memory).word(spawn.exit_word) {
                word.store(1, Ordering::SeqCst);
                shared.futex.wake(spawn.exit_word, u32::MAX);
            }
            shared.threads.finish(tid, &record, outcome);
            shared.watch.leave(tid);
            match parked.then(|| self.pool.wait(&me)).flatten() {
                Some(next) => job = next,
                None => return,
            }
        }
    }

    /// Runs one guest thread in this host thread's instance, creating it first if there is
    /// none. An instance that trapped is dropped rather than reused.
    fn run_guest_thread(self: &Arc<Self>, ready: &mut Option<Ready<T>>, tid: i32, spawn: &Spawn) -> Outcome {
        let result = match ready {
            Some(r) => Ok(r),
            None => self.instantiate_thread(tid).map(|r| ready.insert(r)),
        }
        .and_then(|r| {
            let ctx = r.store.data_mut().wthreads();
            ctx.tid = tid;
            ctx.slot = self.shared.watch.slot(tid);
            ctx.wait_context = None;
            let stack = (spawn.stack_limit.cast_unsigned(), i64::from(spawn.stack_top.cast_unsigned()));
            let start = (spawn.parent.cast_unsigned(), stack.0, stack.1);
            self.shared.trace(tid, abi::THREAD_START, start, NO_SITE, None);
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
                Outcome::Trapped(self.shared.report(tid, spawn.name.as_deref(), &e))
            }
        }
    }

    /// After guest thread `tid` trapped, calls its entry once more in a fresh instance, on its
    /// own stack (docs/abi.md): the guest records the death, so that the locks the thread held
    /// are recovered by their next users, as after a panic. The instance is kept for the next
    /// thread if that call returned. Runs before the exit word is stored: the thread's stack is
    /// still its own, and its joiner finds the death recorded.
    fn post_mortem(self: &Arc<Self>, ready: &mut Option<Ready<T>>, tid: i32, spawn: &Spawn) {
        let call = std::panic::AssertUnwindSafe(|| -> wasmtime::Result<Ready<T>> {
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
    fn note_death(&self, r: &mut Ready<T>) {
        let pointer = r.instance.get_global(&mut r.store, wthreads_threadify::conventions::SELF_GLOBAL);
        let pointer = pointer.and_then(|g| g.get(&mut r.store).i32()).map_or(0, i32::cast_unsigned);
        let owner = crate::watch::report::word(&self.shared, pointer.saturating_add(abi::OWNER_AT_THREAD_POINTER));
        if let Some(owner) = owner.filter(|_| pointer != 0) {
            self.shared.watch.died(owner);
        }
    }

    fn instantiate_thread(self: &Arc<Self>, tid: i32) -> wasmtime::Result<Ready<T>> {
        let mut store = self.store(tid);
        let instance = self.instance_pre().instantiate(&mut store)?;
        crate::trace::host::Buffer::attach(&instance, &mut store);
        let start = instance.get_typed_func::<(i32, i32, i32, i32), ()>(&mut store, abi::EXPORT_THREAD_START)?;
        Ok(Ready { store, instance, start })
    }
}

impl<T: WthreadsView> Spawner for Runtime<T> {
    /// Hands the guest thread to a parked host thread, or starts a new one.
    fn start_thread(self: Arc<Self>, spawn: Spawn) -> i32 {
        let shared = &self.shared;
        let (tid, record) = match shared.threads.register() {
            Ok(r) => r,
            Err(code) => return code,
        };
        // Live from now on: it will run, and may wake threads that wait for it.
        shared.watch.register(tid, spawn.name.clone());
        if let Some(r) = &shared.trace {
            r.enter(tid);
        }
        // Recorded before the thread can start, so that the spawn precedes its start.
        // A stack limit of 0 checks nothing and says nothing of the stack's size.
        let stack =
            if spawn.stack_limit == 0 { 0 } else { spawn.stack_top.wrapping_sub(spawn.stack_limit).cast_unsigned() };
        shared.trace(
            spawn.parent,
            abi::THREAD_SPAWN,
            (tid.cast_unsigned(), stack, 0),
            spawn.site,
            spawn.name.as_deref(),
        );
        shared.emit(|| Event::Spawn { tid, name: spawn.name.clone(), by: spawn.parent });
        let Err(job) = self.pool.hand_over(Job::Run { tid, record, spawn }) else { return tid };
        if self.start_host_thread(job) {
            tid
        } else {
            shared.threads.unregister(tid);
            shared.watch.leave(tid);
            if let Some(r) = &shared.trace {
                r.leave(tid);
            }
            abi::ERR_SPAWN_FAILED
        }
    }
}

impl<T: 'static> Runtime<T> {
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
    pub(crate) fn close_pool(&self) {
        self.pool.close();
    }
}
