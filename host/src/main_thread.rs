//! The guest's main thread as an embedder holds it: an instance whose exports it calls, and
//! reads of guest memory.

use crate::runtime::{Ctx, Error, Runtime, report};
use crate::threads::Outcome;
use std::sync::Arc;
use wasmtime::{Store, Val};
use wthreads::abi;

/// The guest's main thread: an instance whose exports the embedder calls. Dropping it lets
/// the runtime's parked host threads exit. In a traced run, its start is recorded when it is
/// made and its exit when it is dropped (trapped, if its last call trapped).
pub struct MainThread {
    pub(crate) rt: Arc<Runtime>,
    pub(crate) store: Store<Ctx>,
    pub(crate) instance: wasmtime::Instance,
    /// How its last call ended, for the trace's exit event.
    pub(crate) outcome: Outcome,
}

impl Drop for MainThread {
    fn drop(&mut self) {
        self.rt.trace_exit(abi::MAIN_THREAD_ID, &self.outcome, 0);
        self.rt.watch.leave(abi::MAIN_THREAD_ID);
        self.rt.close_pool();
    }
}

impl MainThread {
    /// Calls export `name` with i32 arguments; returns its i32 result (0 if it has none).
    ///
    /// # Errors
    /// [`Error::Module`] if there is no such function or its type does not fit,
    /// [`Error::Trap`] (after printing the message) if it traps or panics,
    /// [`Error::Deadlock`] (with the report, not printed) if every live thread was blocked for
    /// good.
    pub fn call(&mut self, name: &str, args: &[i32]) -> Result<i32, Error> {
        let func = self
            .instance
            .get_func(&mut self.store, name)
            .ok_or_else(|| Error::Module(format!("module has no exported function `{name}`")))?;
        let ty = func.ty(&self.store);
        let fits = ty.params().len() == args.len()
            && ty.params().all(|p| p.is_i32())
            && ty.results().len() <= 1
            && ty.results().all(|r| r.is_i32());
        if !fits {
            return Err(Error::Module(format!(
                "`{name}` must take {} i32 parameters and return nothing or an i32",
                args.len()
            )));
        }
        let params: Vec<Val> = args.iter().map(|a| Val::I32(*a)).collect();
        let mut results = vec![Val::I32(0); ty.results().len()];
        let called = func.call(&mut self.store, &params, &mut results);
        crate::trace::host::drain(&mut self.store);
        match called {
            Ok(()) => {
                self.outcome = Outcome::Returned;
                Ok(results.first().and_then(Val::i32).unwrap_or(0))
            }
            Err(e) => {
                if let Some(deadlock) = self.rt.watch.deadlock().filter(|_| e.is::<crate::watch::Deadlocked>()) {
                    self.outcome = Outcome::Trapped(crate::watch::Deadlocked.to_string());
                    return Err(Error::Deadlock(deadlock.to_string()));
                }
                let message = report(abi::MAIN_THREAD_ID, Some("main"), &e);
                self.outcome = Outcome::Trapped(message.clone());
                Err(Error::Trap(message))
            }
        }
    }

    /// Number of parameters of exported function `name`, if there is one.
    pub fn param_count(&mut self, name: &str) -> Option<usize> {
        let func = self.instance.get_func(&mut self.store, name)?;
        Some(func.ty(&self.store).params().len())
    }

    /// Copies `len` bytes at guest address `ptr` out of the shared memory.
    ///
    /// # Errors
    /// [`Error::Module`] if the range is outside the memory.
    pub fn read(&self, ptr: i32, len: i32) -> Result<Vec<u8>, Error> {
        crate::memory::GuestMemory::new(&self.rt.memory)
            .read(ptr, len)
            .map_err(|e| Error::Module(format!("cannot read guest memory at {ptr:#x}+{len}: {}", abi::error_name(e))))
    }
}
