//! Panicking with any payload, as `std::panic::panic_any`, and the unwind-safety traits.
//!
//! A panic ends its thread on a wthreads host (there is no unwinding), and `join` returns its
//! payload as std's does.

#[cfg(target_arch = "wasm32")]
use alloc::{boxed::Box, string::String};
use core::any::Any;

pub use core::panic::{AssertUnwindSafe, Location, RefUnwindSafe, UnwindSafe};

/// Panics the current thread with `msg` as the payload that its `join` returns, like
/// `std::panic::panic_any`. The message reported is `msg` itself if it is a `&'static str` or a
/// `String`, else `"Box<dyn Any>"`, as std's.
///
/// # Examples
/// ```
/// let err = wthreads::thread::spawn(|| wthreads::panic::panic_any(42u32)).join().unwrap_err();
/// assert_eq!(err.downcast_ref::<u32>(), Some(&42));
/// ```
#[track_caller]
pub fn panic_any<M: 'static + Any + Send>(msg: M) -> ! {
    // Natively, std unwinds and hands the payload to the joiner itself.
    #[cfg(not(target_arch = "wasm32"))]
    std::panic::panic_any(msg);
    #[cfg(target_arch = "wasm32")]
    stash_and_panic(Box::new(msg))
}

/// Stashes the payload for the joiner, then panics with the message std would report for it.
#[cfg(target_arch = "wasm32")]
#[track_caller]
fn stash_and_panic(payload: Box<dyn Any + Send>) -> ! {
    let text: *const str = if let Some(s) = payload.downcast_ref::<&'static str>() {
        *s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.as_str()
    } else {
        "Box<dyn Any>"
    };
    crate::thread::stash_panic_payload(payload);
    // SAFETY: `text` is static or points into the boxed payload, which the thread's control
    // block keeps (its heap block does not move) until the joiner takes it after the thread ended.
    let text = unsafe { &*text };
    panic!("{text}")
}
