//! `Thread`, `ThreadId` and the per-thread control block behind `current()`.

use crate::sys;
use alloc::alloc::{Layout, dealloc};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::any::Any;
use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::num::NonZeroU64;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// A unique identifier of a running or finished thread; never reused.
///
/// # Examples
/// ```no_run
/// let id = wthreads::thread::current().id();
/// let other = wthreads::thread::spawn(|| wthreads::thread::current().id()).join().unwrap();
/// assert_ne!(id, other);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ThreadId(NonZeroU64);

impl ThreadId {
    fn new() -> ThreadId {
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        // Relaxed: only uniqueness matters, which the atomic read-modify-write gives.
        let id = COUNTER.fetch_add(1, Ordering::Relaxed);
        ThreadId(NonZeroU64::new(id).unwrap_or(NonZeroU64::MIN))
    }

    /// The id as a number (the main thread is 1).
    ///
    /// # Examples
    /// ```no_run
    /// let n: u64 = wthreads::thread::current().id().as_u64().get();
    /// assert!(n > 0);
    /// ```
    #[must_use]
    pub fn as_u64(&self) -> NonZeroU64 {
        self.0
    }
}

struct Inner {
    id: ThreadId,
    name: Option<String>,
    /// The park token, see [`super::park`].
    parker: super::park::Parker,
}

/// A handle to a thread, as returned by [`current`](super::current) and
/// [`JoinHandle::thread`](super::JoinHandle::thread).
///
/// # Examples
/// ```no_run
/// let t = wthreads::thread::current();
/// wthreads::println!("{:?} {:?}", t.id(), t.name());
/// ```
#[derive(Clone)]
pub struct Thread {
    inner: Arc<Inner>,
}

impl Thread {
    pub(crate) fn new(name: Option<String>) -> Thread {
        Thread { inner: Arc::new(Inner { id: ThreadId::new(), name, parker: super::park::Parker::new() }) }
    }

    pub(crate) fn parker(&self) -> &super::park::Parker {
        &self.inner.parker
    }

    /// Makes the park token of this thread available: the thread's next (or current)
    /// [`park`](super::park) returns. Tokens do not accumulate, as in std.
    ///
    /// # Examples
    /// ```no_run
    /// use wthreads::thread;
    /// let t = thread::spawn(|| thread::park());
    /// t.thread().unpark();
    /// t.join().unwrap();
    /// ```
    pub fn unpark(&self) {
        self.inner.parker.unpark();
    }

    /// The thread's unique id.
    ///
    /// # Examples
    /// ```no_run
    /// let h = wthreads::thread::spawn(|| wthreads::thread::current().id());
    /// let id = h.thread().id();
    /// assert_eq!(h.join().unwrap(), id);
    /// ```
    #[must_use]
    pub fn id(&self) -> ThreadId {
        self.inner.id
    }

    /// The thread's name, if it has one (the main thread is `"main"`).
    ///
    /// # Examples
    /// ```no_run
    /// let h = wthreads::thread::Builder::new().name("w".into()).spawn(|| ()).unwrap();
    /// assert_eq!(h.thread().name(), Some("w"));
    /// ```
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread").field("id", &self.id()).field("name", &self.name()).finish_non_exhaustive()
    }
}

/// A block of memory owned by a thread (its shadow stack or TLS block).
pub(crate) struct Block {
    pub ptr: NonNull<u8>,
    pub layout: Layout,
}

/// Per-thread control block; `self_get()` points at it.
///
/// Owned by the spawner's `JoinHandle` (or the graveyard once detached) and freed only after
/// the host stored 1 to `exit_word`, i.e. after the thread stopped running on `stack`.
pub(crate) struct Tcb {
    /// Set to 1 by the host once the thread has fully ended.
    pub exit_word: AtomicU32,
    pub thread: Thread,
    pub stack: Option<Block>,
    /// The usable size of `stack` (what was asked for, rounded), without the guard zone.
    pub stack_size: usize,
    pub tls: Option<Block>,
    /// The closure to run; taken by the thread at entry.
    pub main: UnsafeCell<Option<Box<dyn FnOnce() + Send>>>,
    /// Written by the panic handler of this thread, read by the joiner after the exit.
    pub panic_payload: UnsafeCell<Option<Box<dyn Any + Send>>>,
    #[cfg(target_arch = "wasm32")]
    pub panicking: Cell<bool>,
    /// Link in the list of dead threads' blocks (see [`super::death`]).
    pub next_dying: Cell<*const Tcb>,
    /// Link in the list of detached threads waiting to be freed.
    pub next: Cell<*mut Tcb>,
    /// The value this thread writes into the lock words it owns, see [`super::death`].
    pub owner: u32,
    /// The read locks this thread holds, see [`super::held_reads`].
    pub reads: super::held_reads::HeldReads,
    /// The values of `wthreads::thread_local!` keys, see [`super::local`].
    pub locals: UnsafeCell<super::local::Slots>,
}

impl Tcb {
    pub(crate) fn new(thread: Thread) -> Tcb {
        let owner = super::death::owner_of(thread.id());
        Tcb {
            owner,
            reads: super::held_reads::HeldReads::new(),
            locals: UnsafeCell::new(super::local::Slots::new()),
            exit_word: AtomicU32::new(0),
            thread,
            stack: None,
            stack_size: 0,
            tls: None,
            main: UnsafeCell::new(None),
            panic_payload: UnsafeCell::new(None),
            #[cfg(target_arch = "wasm32")]
            panicking: Cell::new(false),
            next_dying: Cell::new(core::ptr::null()),
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
        #[cfg(target_arch = "wasm32")]
        if super::death::any_dead() {
            super::death::retire(&tcb);
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
    adopt_current_thread()
}

/// Gives a thread not started by `spawn` (the main thread; natively also a test harness thread)
/// a control block of its own, released when that thread ends (never, on wasm).
#[cold]
#[inline(never)]
fn adopt_current_thread() -> &'static Tcb {
    #[cfg(target_arch = "wasm32")]
    let name = Some(String::from("main"));
    #[cfg(not(target_arch = "wasm32"))]
    let name = std::thread::current().name().map(String::from);
    let tcb = Box::into_raw(Box::new(Tcb::new(Thread::new(name))));
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
    super::local::run_destructors();
    sys::self_set(core::ptr::null_mut());
    // SAFETY: per the contract; an adopted block has no stack or TLS block, and came from
    // `Box::into_raw` in `current_tcb`.
    unsafe { Tcb::free(ptr.cast()) };
}

/// The calling thread's owner value (see [`super::death`]) if it has a control block yet;
/// never allocates, so the allocator can use it to pick the thread's cache.
#[cfg(not(loom))]
pub(crate) fn current_owner_if_any() -> Option<u32> {
    let ptr = sys::self_get().cast::<Tcb>();
    // SAFETY: as in `current_tcb`.
    (!ptr.is_null()).then(|| unsafe { (*ptr).owner })
}

/// Like `current_tcb` but never allocates: `None` for a thread that has none yet.
#[cfg(any(not(feature = "std"), target_arch = "wasm32"))]
pub(crate) fn try_current_tcb() -> Option<&'static Tcb> {
    let ptr = sys::self_get().cast::<Tcb>();
    // SAFETY: as in `current_tcb`.
    (!ptr.is_null()).then(|| unsafe { &*ptr })
}

/// A handle to the calling thread.
///
/// # Examples
/// ```no_run
/// assert_eq!(wthreads::thread::current().name(), Some("main"));
/// ```
#[must_use]
pub fn current() -> Thread {
    current_tcb().thread.clone()
}
