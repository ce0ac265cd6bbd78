//! Slow paths called where no inliner can bring them into the fast path around them.
//!
//! A lock's fast path is a few instructions; its slow path (spinning, sleeping, taking over a
//! dead holder's lock) is large. LLVM keeps a `#[cold] #[inline(never)]` function out of line,
//! but an engine may inline it again: wasmtime's inliner takes every direct call whose caller
//! and callee are small enough together, cold or not, and the slow path's values then crowd the
//! fast path's registers. A call through a function pointer read from memory is one that no
//! engine inlines; it costs a load and an indirect call, on the slow path only.

/// `outlined!(path as fn(A, B) -> R)(a, b)`: calls the function at `path` (of that type)
/// through a pointer kept in a static of its own (see the module's description).
macro_rules! outlined {
    ($f:path as fn($($arg:ty),*) -> $ret:ty) => {{
        static TARGET: core::sync::atomic::AtomicPtr<()> =
            core::sync::atomic::AtomicPtr::new($f as fn($($arg),*) -> $ret as *mut ());
        // Relaxed: the static is never written; the load only hides its value from inliners.
        let target = TARGET.load(core::sync::atomic::Ordering::Relaxed);
        // SAFETY: `target` is the static's initial value, never changed: a pointer made from a
        // function of exactly this type, turned back into one.
        unsafe { core::mem::transmute::<*mut (), fn($($arg),*) -> $ret>(target) }
    }};
}
pub(crate) use outlined;
