//! What exists only in a wasm32 guest: the exports the host calls (docs/abi.md), the panic path
//! of a runtime whose panics do not unwind (the handler, or std's hook in a guest built with
//! std, and a report that never needs memory; `panic_any`'s payload), the global allocator and
//! the exports through which a host allocates in the guest.

use alloc::boxed::Box;
use core::any::Any;

mod host_alloc;
#[cfg(all(feature = "panic-handler", not(feature = "build-std")))]
mod panic_handler;
#[cfg(any(feature = "panic-handler", feature = "build-std"))]
mod panic_report;
#[cfg(feature = "build-std")]
pub(crate) mod std_panic;

/// The entry point the host calls (through threadify's `wthreads_thread_start`) in a new
/// thread, after its shadow stack and TLS block are set up; called a second time, in a fresh
/// instance, if the thread trapped (docs/abi.md), to record its death.
///
/// # Safety
/// `arg` must be the `start_arg` that `spawn_unchecked` passed to `thread_spawn`, used once, or
/// a second time after that use trapped.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wthreads_thread_entry(arg: *mut u8) {
    // SAFETY: the caller upholds `run_thread`'s contract, which is this function's.
    unsafe { crate::thread::spawn::run_thread(arg) }
}

/// Called by threadify's stack check when the calling thread would move its shadow stack
/// pointer below its stack: ends the thread with a message that names it, its stack size and
/// the fix (see [`crate::runtime::stack`]).
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_stack_overflow() {
    crate::runtime::stack::overflow()
}

/// Puts `payload` where the calling thread's joiner will find it if the thread ends by the
/// panic that follows (see `panic::panic_any`).
fn stash_panic_payload(payload: Box<dyn Any + Send>) {
    // SAFETY: only the owning thread writes the payload, before it ends.
    unsafe { *crate::tcb::current_tcb().panic_payload.get() = Some(payload) };
}

/// Stashes the payload for the joiner, then panics with the message std would report for it.
#[track_caller]
pub(crate) fn stash_and_panic(payload: Box<dyn Any + Send>) -> ! {
    let text: *const str = if let Some(s) = payload.downcast_ref::<&'static str>() {
        *s
    } else if let Some(s) = payload.downcast_ref::<alloc::string::String>() {
        s.as_str()
    } else {
        "Box<dyn Any>"
    };
    stash_panic_payload(payload);
    // SAFETY: `text` is static or points into the boxed payload, which the thread's control
    // block keeps (its heap block does not move) until the joiner takes it after the thread ended.
    let text = unsafe { &*text };
    panic!("{text}")
}

#[cfg(feature = "global-allocator")]
#[global_allocator]
static GLOBAL: crate::Allocator = crate::Allocator::new();
