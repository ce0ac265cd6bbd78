//! `Builder`, `spawn` and `JoinHandle`: creating, joining and reclaiming threads.

use super::Thread;
use super::packet::Packet;
use crate::io;
use crate::runtime::death;
use crate::runtime::stack::STACK_GUARD;
use crate::sync::raw::mutex::RawMutex;
use crate::tcb::{Block, Tcb, current_tcb, locals};
use crate::{abi, sys};
use alloc::alloc::{Layout, alloc};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::any::Any;
use core::cell::Cell;
use core::fmt;
use core::ptr::NonNull;

/// Shadow-stack size of a thread when [`Builder::stack_size`] is not called: 1 MiB, the same
/// as the main thread's (the linker's `-z stack-size` default).
///
/// # Examples
/// ```
/// let big = wthreads::thread::Builder::new().stack_size(4 * wthreads::thread::DEFAULT_STACK_SIZE);
/// ```
pub const DEFAULT_STACK_SIZE: usize = 1 << 20;

/// Smallest shadow stack a thread gets; smaller requests are rounded up.
///
/// # Examples
/// ```
/// let small = wthreads::thread::Builder::new().stack_size(wthreads::thread::MIN_STACK_SIZE);
/// ```
pub const MIN_STACK_SIZE: usize = 16 << 10;

/// The result of [`JoinHandle::join`]: the thread's value, or its panic payload.
///
/// # Examples
/// ```
/// let r: wthreads::thread::Result<u8> = wthreads::thread::spawn(|| 1).join();
/// assert_eq!(r.unwrap(), 1);
/// ```
pub type Result<T> = core::result::Result<T, Box<dyn Any + Send + 'static>>;

/// Thread factory, to set the name and stack size of a new thread.
///
/// # Examples
/// ```
/// let handle = wthreads::thread::Builder::new()
///     .name("worker".into())
///     .stack_size(64 * 1024)
///     .spawn(|| 6 * 7)
///     .unwrap();
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
#[derive(Debug, Default)]
#[must_use = "a Builder does nothing until `spawn` is called"]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with no name and the default stack size.
    ///
    /// # Examples
    /// ```
    /// let h = wthreads::thread::Builder::new().spawn(|| 1).unwrap();
    /// assert_eq!(h.join().unwrap(), 1);
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the thread; the name shows in `Thread::name` and in the host's messages.
    ///
    /// # Examples
    /// ```
    /// let h = wthreads::thread::Builder::new().name("io".into()).spawn(|| ()).unwrap();
    /// assert_eq!(h.thread().name(), Some("io"));
    /// ```
    pub fn name(mut self, name: String) -> Builder {
        self.name = Some(name);
        self
    }

    /// Sets the size of the thread's shadow stack in bytes (rounded up to 16 bytes and to at
    /// least [`MIN_STACK_SIZE`]); the default is [`DEFAULT_STACK_SIZE`].
    ///
    /// # Examples
    /// ```
    /// let h = wthreads::thread::Builder::new().stack_size(64 * 1024).spawn(|| ()).unwrap();
    /// h.join().unwrap();
    /// ```
    pub fn stack_size(mut self, size: usize) -> Builder {
        self.stack_size = Some(size);
        self
    }

    /// Spawns a thread running `f`.
    ///
    /// # Errors
    /// An error if the stack cannot be allocated or the host refuses the thread (for example
    /// because its thread limit is reached).
    ///
    /// # Panics
    /// If the name contains a NUL byte, as std does.
    ///
    /// # Examples
    /// ```
    /// let h = wthreads::thread::Builder::new().spawn(|| 2 + 2).unwrap();
    /// assert_eq!(h.join().unwrap(), 4);
    /// ```
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // SAFETY: `F` and `T` are 'static, so nothing the thread uses can dangle.
        unsafe { self.spawn_unchecked(f) }
    }

    /// Spawns a thread whose closure and result may borrow non-'static data.
    ///
    /// # Safety
    /// The caller must join the thread before anything `f` or `T` borrows goes away.
    ///
    /// # Panics
    /// If the name contains a NUL byte, as std does.
    ///
    /// # Examples
    /// ```
    /// let data = [1, 2, 3];
    /// let r = &data;
    /// // SAFETY: joined before `data` goes out of scope.
    /// let h = unsafe { wthreads::thread::Builder::new().spawn_unchecked(move || r.len()) }.unwrap();
    /// assert_eq!(h.join().unwrap(), 3);
    /// ```
    pub unsafe fn spawn_unchecked<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        if self.name.as_ref().is_some_and(|n| n.contains('\0')) {
            // std's check and words (its names become C strings).
            panic!("thread name may not contain interior null bytes");
        }
        reclaim_detached();
        #[cfg(feature = "build-std")]
        crate::guest::std_panic::install_hook();
        let stack_size = self.stack_size.unwrap_or(DEFAULT_STACK_SIZE).max(MIN_STACK_SIZE);
        let stack_size = stack_size.checked_next_multiple_of(16).ok_or(io::Error::OUT_OF_MEMORY)?;
        let thread = Thread::new(self.name);
        let packet: Arc<Packet<T>> = Arc::new(Packet { result: core::cell::UnsafeCell::new(None) });
        let their_packet = Arc::clone(&packet);
        let main = move || {
            let value = f();
            // SAFETY: only this thread writes the slot, and the joiner reads it after the end.
            unsafe { *their_packet.result.get() = Some(value) };
        };
        let main: Box<dyn FnOnce() + Send + '_> = Box::new(main);
        // SAFETY: lifetime erasure only; the caller guarantees the borrows outlive the thread.
        let main: Box<dyn FnOnce() + Send + 'static> = unsafe { core::mem::transmute(main) };

        let mut tcb = Tcb::new(thread.clone());
        // The guard zone below the stack is where the overflow handler runs.
        let allocated = stack_size.checked_add(STACK_GUARD).ok_or(io::Error::OUT_OF_MEMORY)?;
        if sys::SHADOW_STACK {
            let stack = allocate(allocated, 16)?;
            tcb.core.stack_limit = stack.ptr.as_ptr().addr() + STACK_GUARD;
            tcb.stack = Some(stack);
        }
        tcb.core.stack_size = stack_size;
        let tls_size = sys::tls_size();
        if tls_size > 0 {
            tcb.tls = Some(allocate(tls_size, sys::tls_align().max(1))?);
        }
        *tcb.main.get_mut() = Some(main);
        let tcb = Box::into_raw(Box::new(tcb));
        // SAFETY: `tcb` was just created and is not shared yet.
        let t = unsafe { &*tcb };
        let stack = t.stack.as_ref().map_or(core::ptr::null_mut(), |b| b.ptr.as_ptr());
        let args = sys::SpawnArgs {
            start_arg: tcb.cast(),
            stack_top: stack.wrapping_add(allocated),
            tls_block: t.tls.as_ref().map_or(core::ptr::null_mut(), |b| b.ptr.as_ptr()),
            stack_size,
            // The overflow handler runs in the guard zone below the limit.
            stack_limit: if stack.is_null() { stack } else { stack.wrapping_add(STACK_GUARD) },
            exit_word: &t.exit_word,
            name: t.thread.name(),
            entry: sys::Entry { run: run_thread, end_after_panic },
        };
        // SAFETY: the Tcb, stack and TLS block stay allocated until `exit_word` is 1.
        match unsafe { sys::thread_spawn(&args) } {
            Ok(tid) => Ok(JoinHandle { tid, tcb: NonNull::new(tcb), thread, packet }),
            Err(code) => {
                // The thread never started: nothing else refers to the block.
                t.exit_word.store(1, core::sync::atomic::Ordering::Relaxed);
                // SAFETY: we own `tcb`, and no thread ever ran on its stack.
                unsafe { Tcb::free(tcb) };
                Err(io::Error::from_abi(code))
            }
        }
    }
}

fn allocate(size: usize, align: usize) -> io::Result<Block> {
    let layout = Layout::from_size_align(size, align).map_err(|_| io::Error::OUT_OF_MEMORY)?;
    // SAFETY: `size` is non-zero (callers pass at least MIN_STACK_SIZE or a positive TLS size).
    let ptr = unsafe { alloc(layout) };
    NonNull::new(ptr).map(|ptr| Block { ptr, layout }).ok_or(io::Error::OUT_OF_MEMORY)
}

/// Spawns a thread running `f` and returns its [`JoinHandle`].
///
/// # Panics
/// If the thread cannot be created; use [`Builder::spawn`] to handle that as an error.
///
/// # Examples
/// ```
/// let h = wthreads::thread::spawn(|| 1 + 1);
/// assert_eq!(h.join().unwrap(), 2);
/// ```
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match Builder::new().spawn(f) {
        Ok(handle) => handle,
        Err(e) => panic!("failed to spawn thread: {e}"),
    }
}

/// An owned permission to join a thread; dropping it detaches the thread.
///
/// # Examples
/// ```
/// let h: wthreads::thread::JoinHandle<u32> = wthreads::thread::spawn(|| 7);
/// assert_eq!(h.join().unwrap(), 7);
/// ```
pub struct JoinHandle<T> {
    tid: i32,
    /// `None` once joined.
    tcb: Option<NonNull<Tcb>>,
    thread: Thread,
    packet: Arc<Packet<T>>,
}

// SAFETY: the handle only moves ownership of the result (`T: Send`) and the Tcb pointer,
// which the joining thread frees after the host reports the thread's end.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads the thread handle and the atomic exit word.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish and returns its result.
    ///
    /// # Errors
    /// `Err(payload)` if the thread panicked or trapped: the panic payload (`&'static str` or
    /// `String`, as in std) or the trap message as a `String`.
    ///
    /// # Examples
    /// ```
    /// let h = wthreads::thread::spawn(|| -> u32 { panic!("oops") });
    /// assert_eq!(h.join().unwrap_err().downcast_ref::<&str>(), Some(&"oops"));
    /// ```
    pub fn join(mut self) -> Result<T> {
        let Some(tcb) = self.tcb.take() else { unreachable!("a JoinHandle is joined once") };
        let status = match sys::thread_join(self.tid) {
            Ok(status) => status,
            // Leak the block rather than free memory a thread might still use.
            Err(code) => return Err(Box::new(alloc::format!("join failed: {}", abi::error_name(code)))),
        };
        // SAFETY: the host reported the end of the thread, so it no longer touches the Tcb.
        let t = unsafe { tcb.as_ref() };
        let payload = {
            // SAFETY: the thread has ended; we are the only one left that reads the slot.
            unsafe { (*t.panic_payload.get()).take() }
        };
        // SAFETY: the thread has ended; we are the only one left that reads the result slot.
        let value = unsafe { (*self.packet.result.get()).take() };
        debug_assert!(t.has_exited());
        // SAFETY: the thread has exited and the Tcb came from `Box::into_raw`.
        unsafe { Tcb::free(tcb.as_ptr()) };
        match (status, value) {
            (sys::JoinStatus::Returned, Some(v)) => Ok(v),
            (sys::JoinStatus::Trapped(msg), _) => Err(payload.unwrap_or_else(|| Box::new(msg))),
            (sys::JoinStatus::Returned, None) => Err(Box::new("thread returned without a result")),
        }
    }

    /// A handle to the thread.
    ///
    /// # Examples
    /// ```
    /// let h = wthreads::thread::spawn(|| ());
    /// h.thread().unpark();
    /// ```
    #[must_use]
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Whether the thread has ended (then `join` does not block).
    ///
    /// # Examples
    /// ```
    /// let h = wthreads::thread::spawn(|| ());
    /// while !h.is_finished() {
    ///     wthreads::thread::yield_now();
    /// }
    /// h.join().unwrap();
    /// ```
    #[must_use]
    pub fn is_finished(&self) -> bool {
        // SAFETY: the Tcb lives until this handle is joined or dropped.
        self.tcb.is_none_or(|t| unsafe { t.as_ref() }.has_exited())
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(tcb) = self.tcb.take() {
            sys::thread_detach(self.tid);
            detach(tcb);
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("thread", &self.thread).finish_non_exhaustive()
    }
}

/// Detached threads whose memory is freed once they have exited.
struct Graveyard {
    lock: RawMutex,
    head: Cell<*mut Tcb>,
}

// SAFETY: `head` is only touched while `lock` is held.
unsafe impl Sync for Graveyard {}

#[cfg(not(loom))]
static GRAVEYARD: Graveyard = Graveyard { lock: RawMutex::new(), head: Cell::new(core::ptr::null_mut()) };
// Under loom the lock's atomic belongs to one model execution.
#[cfg(loom)]
loom::lazy_static! {
    static ref GRAVEYARD: Graveyard = Graveyard { lock: RawMutex::new(), head: Cell::new(core::ptr::null_mut()) };
}

fn detach(tcb: NonNull<Tcb>) {
    GRAVEYARD.lock.lock();
    // SAFETY: the handle gave up the Tcb; the list owns it from now on.
    unsafe { tcb.as_ref() }.next.set(GRAVEYARD.head.get());
    GRAVEYARD.head.set(tcb.as_ptr());
    // SAFETY: locked above.
    unsafe { GRAVEYARD.lock.unlock_internal() };
}

/// Frees the memory of every detached thread that has exited. Called on each spawn, so a
/// program that keeps detaching threads keeps its memory bounded; skipped if another thread
/// is at it.
fn reclaim_detached() {
    if GRAVEYARD.lock.try_lock() {
        // SAFETY: taken just above.
        unsafe { free_exited() };
    }
}

/// Frees now the memory (stack, TLS block, control block) of every detached thread that has
/// ended, and returns how many detached threads are still running. `spawn` does this too, so
/// calling it is only needed to release memory early or to wait for detached threads.
///
/// # Examples
/// ```
/// drop(wthreads::thread::spawn(|| ()));
/// while wthreads::thread::reclaim_detached_threads() > 0 {
///     wthreads::thread::yield_now();
/// }
/// ```
pub fn reclaim_detached_threads() -> usize {
    GRAVEYARD.lock.lock();
    // SAFETY: taken just above.
    unsafe { free_exited() }
}

/// Frees the exited members of the graveyard and unlocks it; returns how many remain.
///
/// # Safety
/// The caller holds `GRAVEYARD.lock`.
unsafe fn free_exited() -> usize {
    let mut remaining = 0;
    let mut link: &Cell<*mut Tcb> = &GRAVEYARD.head;
    loop {
        let cur = link.get();
        if cur.is_null() {
            break;
        }
        // SAFETY: list members are live Tcbs owned by the list.
        let t = unsafe { &*cur };
        if t.has_exited() {
            link.set(t.next.get());
            // SAFETY: the thread has exited and we unlinked it, so we own it alone.
            unsafe { Tcb::free(cur) };
        } else {
            remaining += 1;
            link = &t.next;
        }
    }
    // SAFETY: the caller took it.
    unsafe { GRAVEYARD.lock.unlock_internal() };
    remaining
}

/// Runs a spawned thread: installs its control block, runs its closure, then its thread-local
/// destructors; on the host's second call after a trap, records the thread's death instead.
///
/// # Safety
/// `arg` must be the `start_arg` that `spawn_unchecked` passed to `thread_spawn`, used once, or
/// a second time after that use trapped.
pub(crate) unsafe fn run_thread(arg: *mut u8) {
    sys::self_set(arg);
    // SAFETY: per the contract, `arg` is a live Tcb (its closure taken only by a trapped run).
    let tcb = unsafe { &*arg.cast::<Tcb>() };
    // SAFETY: only this thread touches `main`, once.
    let Some(main) = (unsafe { (*tcb.main.get()).take() }) else {
        // The closure was taken: this is the host's second call, in a fresh instance, after
        // the thread trapped (docs/abi.md). Its death is recorded as a panic's is, so that the
        // locks it held are recovered; its thread-locals are left alone, as after a panic.
        death::mark_dead(tcb);
        return;
    };
    main();
    locals::run_destructors();
    #[cfg(not(loom))]
    crate::allocator::release_thread_cache(tcb.owner);
}

/// Ends a spawned thread whose closure unwound (host target): its payload goes to `join`, and
/// its thread-locals are destroyed as after a return. Its locks were released by the unwinding,
/// so, unlike after a wasm trap, it is not recorded as a dead owner.
fn end_after_panic(payload: Box<dyn Any + Send>) {
    let tcb = current_tcb();
    // SAFETY: only the owning thread writes the payload, before it ends.
    unsafe { *tcb.panic_payload.get() = Some(payload) };
    locals::run_destructors();
    #[cfg(not(loom))]
    crate::allocator::release_thread_cache(tcb.owner);
}
