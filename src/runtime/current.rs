//! The part of a thread's control block that the layers below the control block use
//! ([`ThreadCore`]), and the lookup of the calling thread's: never allocating, never creating one.

use super::death;
use super::handle::Thread;
use super::held_reads::HeldReads;
use crate::sys;
use core::cell::Cell;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// What locks, the death registry and the allocator know of a thread. It is the first field of
/// the control block (`tcb::Tcb`, `repr(C)`), so the thread's self pointer (`sys::self_get`)
/// points at both. `repr(C)`, so that the owner value is where a host that watches for
/// deadlocks reads it (`abi::OWNER_AT_THREAD_POINTER` from the thread pointer), to name a
/// mutex's holder.
#[repr(C)]
pub(crate) struct ThreadCore {
    /// The thread's handle: its id, name and park token.
    pub thread: Thread,
    /// The value this thread writes into the lock words it owns, see [`super::death`].
    pub owner: u32,
    /// The read locks this thread holds, see [`super::held_reads`].
    pub reads: HeldReads,
    /// Link in the list of dead threads' blocks (see [`super::death`]).
    pub next_dying: Cell<*const ThreadCore>,
    /// Whether the thread is in its panic handler (wasm without std; std keeps its own flag).
    pub panicking: Cell<bool>,
    /// The lowest address its shadow stack pointer may take (0: no limit), see
    /// [`super::stack`].
    pub stack_limit: usize,
    /// The usable size of its shadow stack (what was asked for, rounded), for messages.
    pub stack_size: usize,
}

impl ThreadCore {
    /// The core of a new thread with handle `thread`, without a stack limit.
    pub(crate) fn new(thread: Thread) -> ThreadCore {
        ThreadCore {
            owner: death::owner_of(thread.id()),
            thread,
            reads: HeldReads::new(),
            next_dying: Cell::new(core::ptr::null()),
            panicking: Cell::new(false),
            stack_limit: 0,
            stack_size: 0,
        }
    }
}

/// The calling thread's core, or `None` for a thread that has no control block yet (the main
/// thread before its first use of the thread API or a lock; natively also a foreign thread).
#[inline]
pub(crate) fn current() -> Option<&'static ThreadCore> {
    let ptr = sys::self_get().cast::<ThreadCore>();
    // SAFETY: `self_get` is null or the calling thread's control block, which starts with its
    // `ThreadCore` (`repr(C)`) and lives until after the thread's last instruction.
    unsafe { ptr.as_ref() }
}

/// The calling thread's owner value if it has a control block yet; never allocates, so the
/// allocator can use it to pick the thread's cache.
#[inline]
#[cfg_attr(loom, expect(dead_code, reason = "under loom there is no allocator, the only caller"))]
pub(crate) fn current_owner_if_any() -> Option<u32> {
    current().map(|c| c.owner)
}

/// Whether a thread without a control block (only ever the main thread on wasm) is panicking.
pub(crate) static MAIN_PANICKING: AtomicBool = AtomicBool::new(false);

/// Set to 1 by the first panic of any thread (without std), never cleared: until then no thread
/// is panicking, which [`panicking`] answers from this one load, as std answers from its global
/// panic count. A lock's guard asks at every unlock (a word, as the poison flag, for the same
/// reason).
pub(crate) static ANY_PANICKED: AtomicU32 = AtomicU32::new(0);

/// Whether the calling thread is panicking.
#[inline]
pub(crate) fn panicking() -> bool {
    if let Some(panicking) = sys::std_panicking() {
        return panicking;
    }
    // Relaxed: a panicking thread set the flag itself, before it asks (program order); a flag
    // set by another thread says nothing about this one.
    if ANY_PANICKED.load(Ordering::Relaxed) == 0 {
        return false;
    }
    crate::outlined::outlined!(panicking_flag as fn() -> bool)()
}

/// The calling thread's own panicking flag (no std).
#[cold]
#[inline(never)]
fn panicking_flag() -> bool {
    // Relaxed: the flags are only written by the thread itself.
    current().map_or(MAIN_PANICKING.load(Ordering::Relaxed), |c| c.panicking.get())
}
