//! The end of a spawned thread's shadow stack: the guard zone below it, the handler threadify's
//! stack check calls on an overflow, and the headroom check before runtime-internal locks.

use crate::sys;

/// Bytes below each spawned thread's stack (allocated on top of its requested size) in which
/// the stack-overflow handler runs after threadify's check caught an overflow.
pub(crate) const STACK_GUARD: usize = 8 * 1024;

/// Stack that a runtime-internal critical section (the allocator's, the deepest) may need.
const LOCKED_STACK_NEED: usize = 4 * 1024;

/// Called by threadify's stack check when the calling thread would move its shadow stack
/// pointer below its stack (the check is off from then on, and the guard zone is free):
/// ends the thread with a message that names it, its stack size and the fix. Formats into a
/// buffer on the stack, since there may be no memory left.
pub(crate) fn overflow() -> ! {
    use core::fmt::Write;
    let mut bytes = [0; 320];
    let mut buf = crate::io::FixedBuf::new(&mut bytes);
    let core = super::current::current();
    let name = core.and_then(|t| t.thread.name()).unwrap_or("<unnamed>");
    let size = core.map_or(0, |t| t.stack_size);
    let _ = write!(
        buf,
        "thread '{name}' overflowed its stack of {} KiB; give it a larger one with thread::Builder::stack_size",
        size / 1024
    );
    sys::abort(buf.as_str())
}

/// Ends the calling thread as overflowed *before* it takes a runtime-internal lock, if fewer
/// than [`LOCKED_STACK_NEED`] bytes of its stack are left: an overflow inside the critical
/// section would end the thread with the lock held, and every other thread would wait for it
/// forever. The main thread's stack has no limit, so it is not checked, and neither are native
/// threads (`sys::SHADOW_STACK` is false there: std's threads have guard pages of their own).
#[inline]
#[cfg_attr(loom, expect(dead_code, reason = "under loom there is no allocator, the only caller"))]
pub(crate) fn ensure_stack_headroom() {
    let Some(limit) = super::current::current().map(|t| t.stack_limit).filter(|&l| l != 0) else { return };
    // A local whose address is taken lives on the shadow stack: its address is the stack
    // pointer, near enough.
    let probe = 0u8;
    let sp = core::hint::black_box(&raw const probe) as usize;
    if sp < limit.saturating_add(LOCKED_STACK_NEED) {
        overflow();
    }
}
