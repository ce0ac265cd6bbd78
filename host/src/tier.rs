//! How a module is compiled: for the fastest code, or for the fastest start.

use crate::error::Error;
use wasmtime::{Config, Engine, Module};

/// Native stack for wasm execution per thread (wasmtime's `max_wasm_stack`).
const WASM_STACK: usize = 8 << 20;

/// A way to compile a module. [`Tier::Full`] is what [`configure`](crate::configure) sets and
/// [`Runtime::load`](crate::Runtime::load) uses; a cached run starts on [`Tier::Quick`] code and
/// moves to `Full` code once a run has compiled it ([`Cache`](crate::Cache)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// The fastest code: wasmtime's inliner on. Its compile takes 3-4× as long as `Quick`'s.
    Full,
    /// The fastest start: wasmtime's inliner off. What it would have inlined costs a call (the
    /// thread pointer and the TLS size need none: threadify writes them as instructions).
    Quick,
}

impl Tier {
    /// Sets what a wthreads guest needs of an engine (threads, shared memory, a wasm stack of
    /// 8 MiB: the runtime's host threads have 16) and this tier's compiler settings.
    pub fn configure(self, config: &mut Config) -> &mut Config {
        config
            .wasm_threads(true)
            .shared_memory(true)
            .async_stack_size(WASM_STACK + (1 << 20))
            .max_wasm_stack(WASM_STACK)
            .compiler_inlining(match self {
                Tier::Full => wasmtime::Inlining::Yes,
                Tier::Quick => wasmtime::Inlining::No,
            })
    }

    /// An engine for this tier.
    ///
    /// # Errors
    /// [`Error::Module`] if wasmtime refuses the settings.
    pub fn engine(self) -> Result<Engine, Error> {
        Engine::new(self.configure(&mut Config::new())).map_err(|e| Error::Module(format!("wasmtime: {e}")))
    }

    /// `wasm` patched (if it is not yet) and compiled by `engine` (one of this tier's).
    ///
    /// # Errors
    /// [`Error::Module`] if threadify refuses it or wasmtime cannot compile it.
    pub fn compile(self, engine: &Engine, wasm: &[u8]) -> Result<Module, Error> {
        crate::load::compile(engine, &crate::patch(wasm)?)
    }
}
