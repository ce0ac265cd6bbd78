//! Ending a thread by a panic without allocating on the way: the panic may be the allocator's
//! own "memory allocation of N bytes failed", so every allocation here is fallible and every
//! message has a fixed-size fallback.

use crate::io::{FixedBuf, fitting};
use alloc::boxed::Box;
use alloc::string::String;
use core::any::Any;
use core::fmt::{self, Display, Write};

/// Counts the bytes a value formats to.
struct Counter(usize);

impl Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Appends to a `String` without ever growing it (what does not fit is dropped).
struct NoGrow<'a>(&'a mut String);

impl Write for NoGrow<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.0.capacity() - self.0.len();
        self.0.push_str(fitting(s, room));
        Ok(())
    }
}

/// `value` formatted into a `String` allocated fallibly at its exact size; `None` if there is
/// no memory for it.
pub(crate) fn try_format(value: &dyn Display) -> Option<String> {
    let mut count = Counter(0);
    write!(count, "{value}").ok()?;
    let mut s = String::new();
    s.try_reserve_exact(count.0).ok()?;
    // A value that formats longer the second time is cut, rather than grown (which could fail).
    write!(NoGrow(&mut s), "{value}").ok()?;
    Some(s)
}

/// `value` boxed as a panic payload, or `None` if there is no memory for the box.
pub(crate) fn try_box<T: Any + Send>(value: T) -> Option<Box<dyn Any + Send>> {
    let layout = core::alloc::Layout::new::<T>();
    if layout.size() == 0 {
        return Some(Box::new(value));
    }
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { alloc::alloc::alloc(layout) }.cast::<T>();
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is a fresh allocation with `T`'s layout, from the global allocator that
    // `Box` frees with.
    unsafe {
        ptr.write(value);
        Some(Box::from_raw(ptr))
    }
}

/// Ends the calling thread, which `enter_panic` marked as panicking: hands `payload` to its
/// joiner, records its death for the locks it holds, and aborts with `report` (formatted into a
/// fixed buffer, cut at 1 KiB, if there is no memory).
pub(crate) fn end_panicking_thread(report: &dyn Display, payload: Option<Box<dyn Any + Send>>) -> ! {
    // The report may read data under the locks this thread holds (`panic!("{}", *guard)`): it
    // is formatted before the death is recorded, which lets other threads take those locks.
    let owned = try_format(report);
    let mut bytes = [0; 1024];
    let mut buf = FixedBuf::new(&mut bytes);
    let text = match &owned {
        Some(msg) => msg.as_str(),
        None => {
            let _ = write!(buf, "{report}");
            buf.as_str()
        }
    };
    record_panic(payload);
    crate::sys::abort(text)
}

/// Stores a panicking thread's payload for its joiner (`None`: there was no memory for it, and
/// the joiner gets the host's message) and records its death, so that the locks it holds are
/// taken over by their next users. Never allocates.
pub(crate) fn record_panic(payload: Option<alloc::boxed::Box<dyn core::any::Any + Send>>) {
    // A thread without a control block has never taken a lock as its owner.
    if crate::runtime::current::current().is_none() {
        return;
    }
    // It has a control block, so this does not allocate.
    let tcb = crate::tcb::current_tcb();
    // SAFETY: only the owning thread writes the payload, before it ends.
    let slot = unsafe { &mut *tcb.panic_payload.get() };
    // A payload already there was put by `panic::panic_any`, and is the one `join` returns.
    if slot.is_none() {
        *slot = payload;
    }
    // The thread ends without unwinding: locks it holds are recovered by their next users.
    crate::runtime::death::mark_dead(tcb);
}

/// Marks the calling thread as panicking; `false` if it already was (a panic inside the panic
/// handler). The first thing a panic does, before its message is formatted (which may
/// allocate, and fail, and panic again); never allocates itself.
pub(crate) fn enter_panic() -> bool {
    // Relaxed: read by this thread (program order) and, as a hint, by others.
    crate::runtime::current::ANY_PANICKED.store(1, core::sync::atomic::Ordering::Relaxed);
    match crate::runtime::current::current() {
        Some(core) => !core.panicking.replace(true),
        // Relaxed: the flag is only read by the thread itself.
        None => !crate::runtime::current::MAIN_PANICKING.swap(true, core::sync::atomic::Ordering::Relaxed),
    }
}
