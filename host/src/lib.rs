//! The native wthreads host: runs threaded wasm guests on wasmtime.
//!
//! One `Engine` and one compiled `Module` serve every thread; each guest thread runs on a host
//! thread with its own `Store` and instance over the one `SharedMemory`, and host threads
//! whose guest thread ended park with their instance for the next spawn. The runtime API it
//! implements is `docs/abi.md`.
//!
//! # Embedding
//!
//! As with `wasmtime-wasi`: the embedder's store data carries a [`WthreadsCtx`]
//! ([`WthreadsView`]), [`add_to_linker`] puts the runtime API beside the embedder's own imports,
//! and a [`Builder`] makes the [`Runtime`] of a patched module, with the output and event sinks
//! it chooses. Each thread's store gets store data of its own from the embedder's constructor.
//!
//! ```no_run
//! use wasmtime::{Caller, Config, Engine, Linker, Module};
//! use wthreads_host::{Builder, WthreadsCtx, WthreadsView};
//!
//! struct App { wthreads: WthreadsCtx }
//! impl WthreadsView for App {
//!     fn wthreads(&mut self) -> &mut WthreadsCtx { &mut self.wthreads }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::new(wthreads_host::configure(&mut Config::new()))?;
//! let mut linker = Linker::<App>::new(&engine);
//! wthreads_host::add_to_linker(&mut linker)?;
//! linker.func_wrap("app", "progress", |mut c: Caller<'_, App>, done: u32| {
//!     println!("thread {}: {done}", c.data_mut().wthreads.thread_id());
//! })?;
//! let module = Module::new(&engine, wthreads_host::patch(&std::fs::read("guest.wasm")?)?)?;
//! let rt = Builder::new().on_event(|e| println!("{e:?}")).build(&linker, &module, |wthreads| App { wthreads })?;
//! let total: u64 = rt.main_thread()?.call("work", (4_u32,))?;
//! # Ok(()) }
//! ```
//!
//! [`Runtime::load`] and [`run`] do all of it for a module on its own, as `wthreads run` does.

mod builder;
mod cache;
mod checks;
mod ctx;
mod error;
mod events;
mod futex;
mod headroom;
mod imports;
mod load;
mod main_thread;
mod memory;
mod output;
mod pool;
mod runtime;
mod shared;
mod threads;
mod tier;
pub mod trace;
mod watch;

pub use builder::{Builder, DEFAULT_MAX_THREADS};
pub use cache::{Cache, DEFAULT_LIMIT, UPGRADE_AFTER};
pub use ctx::{WthreadsCtx, WthreadsView};
pub use error::Error;
pub use events::Event;
pub use imports::add_to_linker;
pub use load::{Options, configure, patch, run};
pub use main_thread::MainThread;
pub use output::stderr_line;
pub use runtime::Runtime;
pub use tier::Tier;

/// Exit status of `wthreads run` when the invoked function traps or panics.
pub const EXIT_TRAP: i32 = 101;
/// Exit status of `wthreads run` when the module cannot be run (or bad usage).
pub const EXIT_MODULE: i32 = 2;
/// Exit status of `wthreads check` when it reported a data race or a lock-order inversion (Go's
/// race detector's).
pub const EXIT_RACE: i32 = 66;
/// Exit status of a program that the host ended because every live thread was blocked with no
/// way out, after printing what each waits for (`docs/check.md`, "Deadlocks").
pub const EXIT_DEADLOCK: i32 = 102;
