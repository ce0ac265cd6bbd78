//! The guest's main thread as an embedder holds it: an instance whose exports it calls, with
//! any wasm scalars as arguments and results, and reads and writes of guest memory.

use crate::ctx::WthreadsView;
use crate::error::Error;
use crate::memory::GuestMemory;
use crate::runtime::Runtime;
use crate::threads::Outcome;
use std::sync::Arc;
use wasmtime::{Func, FuncType, Store, Val, WasmParams, WasmResults};
use wthreads::abi;

/// The guest's main thread (thread 1): an instance whose exports the embedder calls. Dropping
/// it lets the runtime's parked host threads exit. In a traced run, its start is recorded when
/// it is made and its exit when it is dropped (trapped, if its last call trapped).
pub struct MainThread<T: 'static> {
    rt: Arc<Runtime<T>>,
    store: Store<T>,
    instance: wasmtime::Instance,
    /// How its last call ended, for the exit event.
    outcome: Outcome,
}

impl<T: 'static> Drop for MainThread<T> {
    fn drop(&mut self) {
        self.rt.shared.thread_ended(abi::MAIN_THREAD_ID, &self.outcome, 0);
        self.rt.shared.watch.leave(abi::MAIN_THREAD_ID);
        self.rt.close_pool();
    }
}

impl<T: WthreadsView> MainThread<T> {
    pub(crate) fn new(rt: Arc<Runtime<T>>, store: Store<T>, instance: wasmtime::Instance) -> MainThread<T> {
        MainThread { rt, store, instance, outcome: Outcome::Returned }
    }

    /// Calls export `name` with `params`, a tuple of wasm scalars (`()`, `(i32,)`,
    /// `(u32, f64)`, …), and returns its results (`()`, `i32`, `(i64, f32)`, …).
    ///
    /// ```no_run
    /// # fn f(main: &mut wthreads_host::MainThread<wthreads_host::WthreadsCtx>) -> Result<(), wthreads_host::Error> {
    /// let sum: i64 = main.call("sum_in_threads", (4, 1_000_000_i64))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Module`] if there is no such function or its type is not the call's,
    /// [`Error::Trap`] (after writing the message to the runtime's stderr) if it traps or
    /// panics, [`Error::Deadlock`] (with the report, not written) if every live thread was
    /// blocked for good.
    pub fn call<P: WasmParams, R: WasmResults>(&mut self, name: &str, params: P) -> Result<R, Error> {
        let func = self.func(name)?;
        let typed = func.typed::<P, R>(&self.store).map_err(|e| {
            let ty = crate::imports::signature(&func.ty(&self.store));
            Error::Module(format!("`{name}` has type {ty}, which the call does not fit: {e:#}"))
        })?;
        let called = typed.call(&mut self.store, params);
        self.finish(called)
    }

    /// Calls export `name` with `args`, checked against its type; returns its results. For
    /// callers that learn the types at run time (`wthreads run`); see [`func_type`](Self::func_type).
    ///
    /// # Errors
    /// As [`call`](Self::call); the message of a mismatch names the export's type.
    pub fn call_dynamic(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let func = self.func(name)?;
        let ty = func.ty(&self.store);
        let fits = ty.params().len() == args.len()
            && ty.params().zip(args).all(|(p, a)| a.ty(&self.store).is_ok_and(|a| a.matches(&p)));
        if !fits {
            let given: Vec<String> =
                args.iter().map(|a| a.ty(&self.store).map_or("?".into(), |t| t.to_string())).collect();
            return Err(Error::Module(format!(
                "`{name}` takes {}, not the {} argument(s) given ({})",
                crate::imports::signature(&ty),
                args.len(),
                given.join(", ")
            )));
        }
        let mut results = vec![Val::I32(0); ty.results().len()];
        let called = func.call(&mut self.store, args, &mut results);
        self.finish(called).map(|()| results)
    }

    /// The type of export `name`, if it is a function.
    pub fn func_type(&mut self, name: &str) -> Option<FuncType> {
        let func = self.instance.get_func(&mut self.store, name)?;
        Some(func.ty(&self.store))
    }

    fn func(&mut self, name: &str) -> Result<Func, Error> {
        self.instance
            .get_func(&mut self.store, name)
            .ok_or_else(|| Error::Module(format!("module has no exported function `{name}`")))
    }

    /// How a call ended: its trap or the program's deadlock as an [`Error`].
    fn finish<R>(&mut self, called: wasmtime::Result<R>) -> Result<R, Error> {
        crate::trace::host::drain(&mut self.store);
        let shared = &self.rt.shared;
        match called {
            Ok(r) => {
                self.outcome = Outcome::Returned;
                Ok(r)
            }
            Err(e) => {
                if let Some(deadlock) = shared.watch.deadlock().filter(|_| e.is::<crate::watch::Deadlocked>()) {
                    self.outcome = Outcome::Trapped(crate::watch::Deadlocked.to_string());
                    return Err(Error::Deadlock(deadlock.to_string()));
                }
                let message = shared.report(abi::MAIN_THREAD_ID, Some("main"), &e);
                self.outcome = Outcome::Trapped(message.clone());
                Err(Error::Trap(message))
            }
        }
    }
}

impl<T: 'static> MainThread<T> {
    /// Copies `len` bytes at guest address `ptr` out of the shared memory.
    ///
    /// # Errors
    /// [`Error::Module`] if the range is outside the memory.
    pub fn read(&self, ptr: u32, len: u32) -> Result<Vec<u8>, Error> {
        let at = range(ptr, len)?;
        GuestMemory::new(&self.rt.shared.memory).read(at.0, at.1).map_err(|e| out_of_bounds("read", ptr, len, e))
    }

    /// Copies `bytes` into the shared memory at guest address `ptr` (memory the guest gave the
    /// embedder, as an export that allocates returns it).
    ///
    /// # Errors
    /// [`Error::Module`] if the range is outside the memory.
    pub fn write(&self, ptr: u32, bytes: &[u8]) -> Result<(), Error> {
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        let at = range(ptr, len)?;
        GuestMemory::new(&self.rt.shared.memory).write(at.0, bytes).map_err(|e| out_of_bounds("write", ptr, len, e))
    }

    /// The main thread's store: its data is the embedder's `T`.
    pub fn store(&self) -> &Store<T> {
        &self.store
    }

    /// The main thread's store, mutably (its data, fuel, epoch deadline).
    pub fn store_mut(&mut self) -> &mut Store<T> {
        &mut self.store
    }

    /// The main thread's instance, for the exports the calls above do not cover.
    pub fn instance(&self) -> wasmtime::Instance {
        self.instance
    }
}

/// `ptr` and `len` as the guest's i32s, if the range can be in a 32-bit memory at all.
fn range(ptr: u32, len: u32) -> Result<(i32, i32), Error> {
    match (i32::try_from(len), ptr.checked_add(len)) {
        (Ok(len), Some(_)) => Ok((ptr.cast_signed(), len)),
        _ => Err(Error::Module(format!("guest memory has no range at {ptr:#x}+{len}"))),
    }
}

fn out_of_bounds(what: &str, ptr: u32, len: u32, e: i32) -> Error {
    Error::Module(format!("cannot {what} guest memory at {ptr:#x}+{len}: {}", abi::error_name(e)))
}
