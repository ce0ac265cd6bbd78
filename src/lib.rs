//! Real threads for Rust WebAssembly guests.
//!
//! `wthreads` gives a `wasm32-unknown-unknown` program the threading API of Rust std, in
//! `#![no_std]` and on the stable toolchain. Each thread runs in its own instance of the module
//! over one shared linear memory; the host (native wasmtime or Web Workers) provides the
//! runtime API in `docs/abi.md`, and the module is prepared with `wthreads-patch` (threadify).
//!
//! # Quick start
//!
//! A `cdylib` crate with the flags of `docs/guest-config.toml` in its `.cargo/config.toml`
//! (the build script names any that is missing):
//!
// The example runs where the runtime is compiled (wasm32, or natively with `native-runtime`).
#![cfg_attr(wthreads_runtime, doc = "```")]
#![cfg_attr(not(wthreads_runtime), doc = "```ignore")]
//! use wthreads::sync::{Arc, Mutex};
//! use wthreads::thread;
//!
//! #[unsafe(no_mangle)]
//! pub extern "C" fn total() -> u64 {
//!     let sum = Arc::new(Mutex::new(0u64));
//!     let handles: Vec<_> = (1..=4u64)
//!         .map(|i| {
//!             let sum = Arc::clone(&sum);
//!             thread::spawn(move || *sum.lock().unwrap() += i)
//!         })
//!         .collect();
//!     for h in handles {
//!         h.join().unwrap();
//!     }
//!     let total = *sum.lock().unwrap();
//!     wthreads::println!("total {total}");
//!     total
//! }
//! # assert_eq!(total(), 10);
//! ```
//!
//! then `cargo build --release --target wasm32-unknown-unknown`, `wthreads-patch` on the
//! module, and `wthreads run guest.wasm --invoke total` natively, or `run` from the npm package
//! in a browser or Node.
//!
//! - [`thread`]: [`spawn`](thread::spawn), [`Builder`](thread::Builder),
//!   [`JoinHandle`](thread::JoinHandle), [`scope`](thread::scope), [`current`](thread::current),
//!   [`park`](thread::park), [`sleep`](thread::sleep), [`yield_now`](thread::yield_now),
//!   [`available_parallelism`](thread::available_parallelism).
//! - [`thread_local!`]: per-thread values with destructors, on stable and in no_std.
//! - [`sync`]: [`Mutex`](sync::Mutex), [`RwLock`](sync::RwLock), [`Condvar`](sync::Condvar),
//!   [`Barrier`](sync::Barrier), [`Once`](sync::Once), [`OnceLock`](sync::OnceLock),
//!   [`LazyLock`](sync::LazyLock), [`mpsc`](sync::mpsc) and the poisoning types, with std's
//!   signatures; a lock held by a thread that died in a panic is recovered as poisoned.
//! - [`time`]: [`Instant`](time::Instant) on the host's monotonic clock.
//! - [`panic`](mod@panic): [`panic_any`](panic::panic_any), whose payload reaches `join` as in std.
//! - [`println!`], [`eprintln!`]: output through the host.
//! - [`abi`]: the constants of the runtime API, shared with hosts.
//! - [`Allocator`]: the thread-safe global allocator (installed by the default
//!   `global-allocator` feature); the default `panic-handler` feature reports panics to the host
//!   and hands the payload to `join`.
//!
//! On the host target the crate is the same library over a different runtime: with the
//! `native-runtime` feature, guest threads are std threads and the futex is emulated (`src/sys/native.rs`), so
//! the primitives are checked as native code by the unit tests, by Miri and by loom
//! (`--cfg loom`). Without `std`, only [`abi`] is compiled there, so hosts can share the
//! constants.
#![no_std]
#![deny(missing_docs)]

#[cfg(any(feature = "build-std", feature = "native-runtime", loom))]
extern crate std;

#[cfg(wthreads_runtime)]
extern crate alloc;

#[cfg(all(feature = "native-runtime", target_arch = "wasm32"))]
compile_error!("the `native-runtime` feature is for the host target; a wasm32 guest uses the host's runtime");
#[cfg(all(feature = "build-std", not(target_arch = "wasm32")))]
compile_error!("the `build-std` feature is for wasm32 guests built with -Zbuild-std; natively use `native-runtime`");

pub mod abi;

#[cfg(all(wthreads_runtime, not(loom)))]
mod allocator;
#[cfg(wthreads_runtime)]
mod atomic;
#[cfg(wthreads_runtime)]
mod deadline;
#[cfg(wthreads_runtime)]
mod futex;
// The target is named only here, in `sys`, and in `panic::panic_any` (whose payload travels by
// unwinding natively and through the control block on wasm).
#[cfg(all(wthreads_runtime, target_arch = "wasm32"))]
mod guest;
#[cfg(wthreads_runtime)]
pub mod io;
#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(wthreads_runtime)]
mod outlined;
#[cfg(wthreads_runtime)]
pub mod panic;
#[cfg(wthreads_runtime)]
mod runtime;
#[cfg(wthreads_runtime)]
pub mod sync;
#[cfg(wthreads_runtime)]
mod sys;
#[cfg(wthreads_runtime)]
mod tcb;
#[cfg(wthreads_runtime)]
pub mod thread;
#[cfg(wthreads_runtime)]
pub mod time;

#[cfg(all(wthreads_runtime, not(loom)))]
pub use allocator::Allocator;
#[cfg(all(wthreads_runtime, target_arch = "wasm32"))]
pub use sys::wthreads_abi_version;
