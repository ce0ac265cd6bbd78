//! Panicking with any payload, as `std::panic::panic_any`, and the unwind-safety traits.
//!
//! A panic ends its thread on a wthreads host (there is no unwinding), and `join` returns its
//! payload as std's does.

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
    crate::guest::stash_and_panic(alloc::boxed::Box::new(msg))
}
