//! The panic handler of no_std guests: the message goes to the host, the payload to `join`.
//! It never needs memory: the panic may be the allocator's "memory allocation of N bytes
//! failed" ([`super::panic_report`]).

use super::panic_report::{end_panicking_thread, try_box, try_format};
use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    // First of all, so that a panic while formatting (an allocation failing) does not recurse.
    if !super::panic_report::enter_panic() {
        crate::sys::abort("thread panicked while processing a panic");
    }
    let message = info.message();
    let payload = match message.as_str() {
        Some(s) => try_box(s),
        None => try_format(&message).and_then(try_box),
    };
    // `PanicInfo`'s Display is "panicked at FILE:LINE:COL:\nMESSAGE", like std's report.
    end_panicking_thread(info, payload)
}
