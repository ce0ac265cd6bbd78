//! The per-thread control block ([`Tcb`]): its creation, also for a thread the runtime did not
//! start (the main thread), and its release. Above the allocator (freeing a block releases the
//! thread's cache) and below the `sync` shells, which ask it for the calling thread's owner value.

pub(crate) mod locals;

use crate::runtime::current::ThreadCore;
use crate::runtime::held_reads::ReadNote;
use crate::runtime::{Thread, death};
use crate::sys;
use alloc::alloc::{Layout, dealloc};
use alloc::boxed::Box;
use core::any::Any;
use core::cell::{Cell, UnsafeCell};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};

/// A block of memory owned by a thread (its shadow stack or TLS block).
pub(crate) struct Block {
    pub ptr: NonNull<u8>,
    pub layout: Layout,
}

/// Per-thread control block; `self_get()` points at it.
///
/// Owned by the spawner's `JoinHandle` (or the graveyard once detached) and freed only after
/// the host stored 1 to `exit_word`, i.e. after the thread stopped running on `stack`.
/// `repr(C)` with the core first: the layers below see the block as its [`ThreadCore`].
#[repr(C)]
pub(crate) struct Tcb {
    /// What the layers below see of the thread; first, see above.
    pub core: ThreadCore,
    /// Set to 1 by the host once the thread has fully ended.
    pub exit_word: AtomicU32,
    pub stack: Option<Block>,
    pub tls: Option<Block>,
    /// The closure to run; taken by the thread at entry.
    pub main: UnsafeCell<Option<Box<dyn FnOnce() + Send>>>,
    /// Written by the panic handler of this thread, read by the joiner after the exit.
    pub panic_payload: UnsafeCell<Option<Box<dyn Any + Send>>>,
    /// Link in the list of detached threads waiting to be freed.
    pub next: Cell<*mut Tcb>,
    /// The values of `wthreads::thread_local!` keys, see [`locals`].
    pub locals: UnsafeCell<locals::Slots>,
}

// A host finds a thread's owner value at its thread pointer (`docs/abi.md`, "Deadlocks"); the
// offset is wasm32's (natively the handle before it is wider, and no host looks).
#[cfg(target_arch = "wasm32")]
const _: () = assert!(
    core::mem::offset_of!(Tcb, core) + core::mem::offset_of!(ThreadCore, owner)
        == crate::abi::OWNER_AT_THREAD_POINTER as usize
);

impl core::ops::Deref for Tcb {
    type Target = ThreadCore;

    fn deref(&self) -> &ThreadCore {
        &self.core
    }
}

impl Tcb {
    pub(crate) fn new(thread: Thread) -> Tcb {
        Tcb {
            core: ThreadCore::new(thread),
            locals: UnsafeCell::new(locals::Slots::new()),
            exit_word: AtomicU32::new(0),
            stack: None,
            tls: None,
            main: UnsafeCell::new(None),
            panic_payload: UnsafeCell::new(None),
            next: Cell::new(core::ptr::null_mut()),
        }
    }

    /// Whether the host reported that the thread has fully ended.
    pub(crate) fn has_exited(&self) -> bool {
        // Acquire: pairs with the host's store after the thread's last instruction, so the
        // thread's writes (result, payload) are visible and its stack is no longer in use.
        self.exit_word.load(Ordering::Acquire) == 1
    }

    /// Frees the control block and the thread's stack and TLS block.
    ///
    /// # Safety
    /// `tcb` came from `Box::into_raw`, the thread has exited (`has_exited`), and nobody
    /// else will use `tcb` again.
    pub(crate) unsafe fn free(tcb: *mut Tcb) {
        // SAFETY: per the contract, we own the box.
        let tcb = unsafe { Box::from_raw(tcb) };
        // The thread may have allocated after it released its cache slot on the way out and
        // so taken it again; it has ended now, so the slot is free for good.
        #[cfg(not(loom))]
        crate::allocator::release_thread_cache(tcb.owner);
        // A block in the death registry leaves it now (nothing to look for if no thread died).
        if death::any_dead() {
            death::retire(&tcb.core);
        }
        for block in [&tcb.stack, &tcb.tls].into_iter().flatten() {
            // SAFETY: each block was allocated with exactly this layout and the thread that
            // used it has ended.
            unsafe { dealloc(block.ptr.as_ptr(), block.layout) };
        }
    }
}

/// The calling thread's control block, created on first use for the main thread.
#[inline]
pub(crate) fn current_tcb() -> &'static Tcb {
    let ptr = sys::self_get().cast::<Tcb>();
    if !ptr.is_null() {
        // SAFETY: `self_get` only ever returns null or a Tcb that outlives its thread.
        return unsafe { &*ptr };
    }
    crate::outlined::outlined!(adopt_current_thread as fn() -> &'static Tcb)()
}

/// Gives a thread not started by `spawn` (the main thread; natively also a test harness thread)
/// a control block of its own, released when that thread ends (never, on wasm).
#[cold]
#[inline(never)]
fn adopt_current_thread() -> &'static Tcb {
    let tcb = Box::into_raw(Box::new(Tcb::new(Thread::adopted(sys::adopted_thread_name()))));
    sys::adopt_thread(tcb.cast(), release_adopted);
    // SAFETY: just created; it lives until its thread ends, after which nothing on that thread
    // runs that could use the reference.
    unsafe { &*tcb }
}

/// Ends an adopted thread's life in the runtime: its thread-locals are destroyed and its
/// control block freed.
///
/// # Safety
/// `ptr` is the calling thread's adopted control block, and the thread is ending.
unsafe fn release_adopted(ptr: *mut u8) {
    locals::run_destructors();
    sys::self_set(core::ptr::null_mut());
    // SAFETY: per the contract; an adopted block has no stack or TLS block, and came from
    // `Box::into_raw` in `adopt_current_thread`.
    unsafe { Tcb::free(ptr.cast()) };
}

/// The owner value the calling thread writes into the lock words it holds.
#[inline]
pub(crate) fn current_owner() -> u32 {
    match sys::owner_get() {
        Some(owner) => owner.get(),
        None => current_tcb().owner,
    }
}

/// Notes a read lock the calling thread just took (see
/// [`held_reads`](crate::runtime::held_reads)); returns the note's slot, which its guard keeps
/// for the unlock.
#[inline]
pub(crate) fn note_read(note: ReadNote) -> u8 {
    current_tcb().reads.push(note)
}
