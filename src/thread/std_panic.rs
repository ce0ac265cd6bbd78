//! With the `std` feature, std's panic machinery runs instead of our panic handler: a hook
//! gives the payload to `join` and the message to the host, as the no_std handler does.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::any::Any;
use core::sync::atomic::{AtomicBool, Ordering};

/// Installs the hook once (on the first spawn). A hook the program set before stays chained.
pub(crate) fn install_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    // Relaxed: `set_hook` synchronises itself; this only avoids installing twice.
    if INSTALLED.swap(true, Ordering::Relaxed) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let owned: Box<dyn Any + Send> = if let Some(s) = payload.downcast_ref::<&'static str>() {
            Box::new(*s)
        } else if let Some(s) = payload.downcast_ref::<String>() {
            Box::new(s.clone())
        } else {
            previous(info);
            Box::new("Box<dyn Any>")
        };
        if !super::begin_panic(owned) {
            crate::sys::abort("thread panicked while processing a panic");
        }
        // "panicked at FILE:LINE:COL:\nMESSAGE", as the no_std handler reports it.
        crate::sys::abort(&info.to_string())
    }));
}
