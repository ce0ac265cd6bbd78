//! The bottom layer of the runtime: a thread as locks and the allocator see it.
//!
//! The guest crate is layered bottom-up, each layer using only those below it:
//!
//! 1. `sys`: the runtime API (the host's imports on wasm, std threads natively).
//! 2. `runtime` (this): a thread's handle and [`ThreadCore`](current::ThreadCore) (its owner
//!    value, read-lock notes, stack limit), the lookup of the calling thread's core, the
//!    registry of threads that died without unwinding, and the stack-overflow handler.
//! 3. `sync::raw`: the futex state machines of the locks, told their owner by the caller.
//! 4. `allocator`: dlmalloc under a raw lock, with per-thread caches.
//! 5. `tcb`: the control block (core, stack, TLS, closure, thread-locals): its creation, also
//!    for a thread the runtime did not start, and its release.
//! 6. `sync`: the API shells of the locks, channels and cells.
//! 7. `thread`: spawning, joining, `thread_local!`, parking.

pub(crate) mod current;
pub(crate) mod death;
mod handle;
pub(crate) mod held_reads;
pub(crate) mod parker;
pub(crate) mod stack;

pub use handle::{Thread, ThreadId};
