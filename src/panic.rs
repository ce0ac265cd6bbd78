//! The panic handler of no_std guests: the message goes to the host, the payload to `join`.

use alloc::boxed::Box;
use alloc::string::ToString;
use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    let payload: Box<dyn core::any::Any + Send> = match info.message().as_str() {
        Some(s) => Box::new(s),
        None => Box::new(info.message().to_string()),
    };
    if !crate::thread::begin_panic(payload) {
        crate::sys::abort("thread panicked while processing a panic");
    }
    // `PanicInfo`'s Display is "panicked at FILE:LINE:COL:\nMESSAGE", like std's report.
    crate::sys::abort(&info.to_string())
}
