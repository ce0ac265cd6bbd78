//! The runtime API on the host target, for checking the primitives as native code: a guest
//! thread is a std thread, the futex is emulated ([`super::futex_table`]), output goes to the
//! process's stdout and stderr, the clock is `std::time::Instant`.
//!
//! A thread here runs its `Entry` as the wasm host runs `wthreads_thread_entry`, under
//! `catch_unwind`: std's panics unwind on this target (guards are dropped and poison their
//! lock, as in std), and a panic ends only its thread, whose join then reports it.

use super::{JoinStatus, SpawnArgs, futex_table};
use crate::abi;
use crate::atomic::AtomicU32;
use alloc::collections::BTreeMap;
use alloc::string::String;
use core::cell::Cell;
use core::sync::atomic::{AtomicI32, Ordering};
use core::time::Duration;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

/// Std threads whose handle nobody has joined or detached yet, by id.
static THREADS: Mutex<BTreeMap<i32, std::thread::JoinHandle<JoinStatus>>> = Mutex::new(BTreeMap::new());
/// The next thread id; 1 is the main thread's, as on a wasm host.
static NEXT_TID: AtomicI32 = AtomicI32::new(abi::MAIN_THREAD_ID + 1);

/// The smallest native stack a thread gets: native frames are larger than the wasm shadow
/// stack frames that `Builder::stack_size` is about, and std needs room of its own.
const MIN_NATIVE_STACK: usize = 256 << 10;

#[cfg(not(loom))]
std::thread_local! {
    /// This thread's control block (what threadify keeps in a per-instance global).
    static SELF: Cell<*mut u8> = const { Cell::new(core::ptr::null_mut()) };
    /// This thread's id; 0 on a thread the runtime did not start.
    static TID: Cell<i32> = const { Cell::new(0) };
}

#[cfg(loom)]
loom::thread_local! {
    static SELF: Cell<*mut u8> = Cell::new(core::ptr::null_mut());
    static TID: Cell<i32> = Cell::new(0);
}

/// A pointer that the spawning thread hands to the new one.
struct SendPtr(*mut u8);
// SAFETY: the pointers passed to `thread_spawn` are valid from any thread until the exit word
// is set (the contract of `thread_spawn`), and only the new thread uses them.
unsafe impl Send for SendPtr {}

/// Starts a std thread that runs the spawned closure; returns its id or an `abi::ERR_*` code.
///
/// # Safety
/// Every pointer in `args` must stay valid until 1 is stored to `exit_word`, and `start_arg`
/// must be what `args.entry.run` expects.
pub(crate) unsafe fn thread_spawn(args: &SpawnArgs<'_>) -> Result<i32, i32> {
    // Relaxed: ids only need to be unique.
    let tid = NEXT_TID.fetch_add(1, Ordering::Relaxed);
    let start = SendPtr(args.start_arg);
    let entry = args.entry;
    let exit = SendPtr(args.exit_word.cast_mut().cast());
    let mut builder = std::thread::Builder::new().stack_size(args.stack_size.max(MIN_NATIVE_STACK));
    if let Some(name) = args.name {
        builder = builder.name(String::from(name));
    }
    let spawned = builder.spawn(move || {
        let (start, exit) = (start, exit);
        TID.with(|t| t.set(tid));
        let run = std::panic::AssertUnwindSafe(|| {
            // SAFETY: `start` is the `start_arg` of `spawn_unchecked`, used once, here.
            unsafe { (entry.run)(start.0) }
        });
        let status = match std::panic::catch_unwind(run) {
            Ok(()) => JoinStatus::Returned,
            Err(payload) => {
                let msg = panic_message(&*payload);
                (entry.end_after_panic)(payload);
                JoinStatus::Trapped(msg)
            }
        };
        // SAFETY: the exit word lives until it reads 1; this is the thread's last use of it and
        // of everything `start` pointed to.
        let exit = unsafe { &*exit.0.cast::<core::sync::atomic::AtomicU32>() };
        // Release: the joiner (or reclaimer) that reads 1 sees everything the thread wrote.
        exit.store(1, Ordering::Release);
        status
    });
    match spawned {
        Ok(handle) => {
            THREADS.lock().unwrap_or_else(PoisonError::into_inner).insert(tid, handle);
            Ok(tid)
        }
        Err(_) => Err(abi::ERR_SPAWN_FAILED),
    }
}

/// The message of a panic payload (`&str` or `String`, like std's report).
fn panic_message(payload: &(dyn core::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        String::from(*s)
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::from("Box<dyn Any>")
    }
}

/// Blocks until thread `tid` has ended and forgets it.
pub(crate) fn thread_join(tid: i32) -> Result<JoinStatus, i32> {
    if tid == TID.with(Cell::get) {
        return Err(abi::ERR_JOIN_SELF);
    }
    let handle = THREADS.lock().unwrap_or_else(PoisonError::into_inner).remove(&tid);
    let handle = handle.ok_or(abi::ERR_NO_SUCH_THREAD)?;
    // The thread body catches panics; only one in a std thread-local destructor gets here.
    Ok(handle.join().unwrap_or_else(|_| JoinStatus::Trapped(String::from("thread panicked at exit"))))
}

/// Forgets thread `tid`, which goes on running.
pub(crate) fn thread_detach(tid: i32) -> i32 {
    match THREADS.lock().unwrap_or_else(PoisonError::into_inner).remove(&tid) {
        Some(_) => 0,
        None => abi::ERR_NO_SUCH_THREAD,
    }
}

/// Offers the rest of the time slice to other threads.
pub(crate) fn thread_yield() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::thread::yield_now();
}

/// How many threads the machine can run in parallel (at least 1).
pub(crate) fn available_parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, core::num::NonZeroUsize::get)
}

/// Sleeps while `*word == expected`, until woken or `timeout` elapses.
/// Returns `false` only when the timeout elapsed.
pub(crate) fn wait32(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> bool {
    futex_table::wait(word, expected, timeout)
}

/// Wakes up to `count` threads waiting on `word`; returns how many were woken.
pub(crate) fn wake(word: &AtomicU32, count: u32) -> u32 {
    futex_table::wake(word, count)
}

/// Reports an event; natively there is no host to trace it.
#[inline(always)]
pub(crate) fn event(_kind: i32, _a: usize, _b: usize, _c: i64) {}

/// Writes `bytes` to `fd` (`abi::FD_STDOUT` or `abi::FD_STDERR`).
pub(crate) fn write(fd: i32, bytes: &[u8]) -> i32 {
    let written = match fd {
        abi::FD_STDOUT => std::io::stdout().write_all(bytes),
        abi::FD_STDERR => std::io::stderr().write_all(bytes),
        _ => return abi::ERR_BAD_FD,
    };
    match written {
        Ok(()) => i32::try_from(bytes.len()).unwrap_or(i32::MAX),
        Err(_) => abi::ERR_BAD_FD,
    }
}

/// Monotonic clock in nanoseconds, from the first call in the process.
pub(crate) fn clock_ns() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Native threads have no wasm TLS block to allocate.
pub(crate) fn tls_size() -> usize {
    0
}

/// Alignment of the (empty) TLS block.
pub(crate) fn tls_align() -> usize {
    1
}

/// Whether spawned threads need a shadow stack allocated by the guest: not natively, where
/// std gives each thread its own machine stack.
pub(crate) const SHADOW_STACK: bool = false;

/// Whether a thread the runtime did not start is the program's main thread: not natively,
/// where it may be any thread (a test harness's), so each gets an id like a spawned one.
pub(crate) const ADOPTED_IS_MAIN: bool = false;

/// This thread's control block pointer (null until set).
pub(crate) fn self_get() -> *mut u8 {
    SELF.with(Cell::get)
}

/// Sets this thread's control block pointer.
pub(crate) fn self_set(ptr: *mut u8) {
    SELF.with(|s| s.set(ptr));
}

/// The owner value at the thread pointer, where a per-thread global keeps it: natively nowhere
/// (the control block has it).
#[inline]
pub(crate) fn owner_get() -> Option<core::num::NonZeroU32> {
    None
}

/// Makes `ptr` the control block of a thread the runtime did not start (the main thread, a
/// test harness thread); `release(ptr)` runs when that thread ends.
pub(crate) fn adopt_thread(ptr: *mut u8, release: unsafe fn(*mut u8)) {
    self_set(ptr);
    #[cfg(not(loom))]
    {
        /// A control block and the function that releases it.
        type Release = (*mut u8, unsafe fn(*mut u8));
        /// Releases an adopted thread's control block when the thread's std TLS is torn down.
        struct Adopted(Cell<Option<Release>>);
        impl Drop for Adopted {
            fn drop(&mut self) {
                if let Some((ptr, release)) = self.0.take() {
                    // SAFETY: `adopt_thread`'s caller gave `release` for exactly this pointer,
                    // and this runs once, at the end of the thread that owns it.
                    unsafe { release(ptr) };
                }
            }
        }
        std::thread_local! {
            static ADOPTED: Adopted = const { Adopted(Cell::new(None)) };
        }
        // If the thread is already tearing down its TLS, the block is leaked, not freed early.
        let _ = ADOPTED.try_with(|a| a.0.set(Some((ptr, release))));
    }
    #[cfg(loom)]
    let _ = release;
}

/// The name of a thread the runtime did not start: its std name (a test's name, or "main").
pub(crate) fn adopted_thread_name() -> Option<String> {
    std::thread::current().name().map(String::from)
}

/// Whether the calling thread panics: std keeps the flag on this target.
pub(crate) fn std_panicking() -> Option<bool> {
    Some(std::thread::panicking())
}

/// Ends the calling thread with `msg`, as a trap does on wasm (here: a panic that `thread_spawn`
/// catches and reports to the joiner).
pub(crate) fn abort(msg: &str) -> ! {
    panic!("{msg}")
}
