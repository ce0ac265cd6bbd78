//! With the `build-std` feature, std's panic machinery runs instead of our panic handler: a hook
//! gives the payload to `join` and the message to the host, as the no_std handler does, and
//! like it without needing memory ([`super::panic_report`]).

use super::panic_report::{end_panicking_thread, try_box};
use alloc::boxed::Box;
use alloc::string::String;
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
        if !super::panic_report::enter_panic() {
            crate::sys::abort("thread panicked while processing a panic");
        }
        let payload = info.payload();
        let owned = if let Some(s) = payload.downcast_ref::<&'static str>() {
            try_box(*s)
        } else if let Some(s) = payload.downcast_ref::<String>() {
            let mut copy = String::new();
            copy.try_reserve_exact(s.len()).ok().and_then(|()| {
                copy.push_str(s);
                try_box(copy)
            })
        } else {
            previous(info);
            try_box("Box<dyn Any>")
        };
        // "panicked at FILE:LINE:COL:\nMESSAGE", as the no_std handler reports it.
        end_panicking_thread(info, owned)
    }));
}
