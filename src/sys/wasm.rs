//! The runtime API imports: the only place that declares what the host (and threadify) provide.
//!
//! Everything else in the crate calls the safe wrappers below. Pointers are passed as wasm32
//! `i32`s into the one shared linear memory; the contract is `docs/abi.md`.

use super::{JoinStatus, SpawnArgs};
use crate::abi;
use crate::atomic::AtomicU32;
use core::time::Duration;

#[link(wasm_import_module = "wthreads")]
unsafe extern "C" {
    #[link_name = "thread_spawn"]
    fn wt_thread_spawn(
        start_arg: *mut u8,
        stack_top: *mut u8,
        tls_block: *mut u8,
        stack_limit: *mut u8,
        exit_word: *const AtomicU32,
        name_ptr: *const u8,
        name_len: usize,
    ) -> i32;
    #[link_name = "thread_join"]
    fn wt_thread_join(tid: i32, msg_ptr: *mut u8, msg_cap: usize, msg_len: *mut usize) -> i32;
    #[link_name = "thread_detach"]
    fn wt_thread_detach(tid: i32) -> i32;
    #[link_name = "thread_yield"]
    fn wt_thread_yield();
    #[link_name = "available_parallelism"]
    fn wt_available_parallelism() -> i32;
    #[link_name = "wait32"]
    fn wt_wait32(addr: *const AtomicU32, expected: u32, timeout_ns: i64) -> i32;
    #[link_name = "wake"]
    fn wt_wake(addr: *const AtomicU32, count: u32) -> i32;
    #[link_name = "abort"]
    fn wt_abort(msg_ptr: *const u8, msg_len: usize) -> !;
    #[link_name = "write"]
    fn wt_write(fd: i32, ptr: *const u8, len: usize) -> i32;
    #[link_name = "clock_ns"]
    fn wt_clock_ns() -> i64;
}

// Replaced by threadify with local functions (globals of the instance, so per thread).
#[link(wasm_import_module = "wthreads_patch")]
unsafe extern "C" {
    #[link_name = "tls_size"]
    fn wp_tls_size() -> usize;
    #[link_name = "tls_align"]
    fn wp_tls_align() -> usize;
    #[link_name = "self_get"]
    fn wp_self_get() -> *mut u8;
    #[link_name = "self_set"]
    fn wp_self_set(ptr: *mut u8);
    #[link_name = "owner_get"]
    fn wp_owner_get() -> u32;
    #[link_name = "event"]
    fn wp_event(kind: i32, a: usize, b: usize, c: i64);
}

/// The version this guest library speaks; hosts read it before running anything.
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_abi_version() -> i32 {
    abi::ABI_VERSION
}

/// Asks the host for a new thread; returns its host id or a negative `abi::ERR_*` code.
///
/// # Safety
/// Every pointer in `args` must stay valid until the host has stored 1 to `exit_word`, and
/// `start_arg` must be what `wthreads_thread_entry` expects.
pub(crate) unsafe fn thread_spawn(args: &SpawnArgs<'_>) -> Result<i32, i32> {
    let (name_ptr, name_len) = match args.name {
        Some(n) => (n.as_ptr(), n.len()),
        None => (core::ptr::null(), 0),
    };
    // SAFETY: the caller guarantees the pointers' lifetime; the host only reads the name
    // during the call and writes `exit_word` once, at the end of the thread.
    let r = unsafe {
        wt_thread_spawn(
            args.start_arg,
            args.stack_top,
            args.tls_block,
            args.stack_limit,
            args.exit_word,
            name_ptr,
            name_len,
        )
    };
    if r > 0 { Ok(r) } else { Err(r) }
}

/// Blocks until thread `tid` has ended and releases the host's record of it.
pub(crate) fn thread_join(tid: i32) -> Result<JoinStatus, i32> {
    let mut buf = alloc::vec![0u8; 512];
    let mut len = 0usize;
    // SAFETY: `buf` is writable for its length and `len` is a valid out-pointer.
    let r = unsafe { wt_thread_join(tid, buf.as_mut_ptr(), buf.len(), &mut len) };
    match r {
        abi::JOIN_RETURNED => Ok(JoinStatus::Returned),
        abi::JOIN_TRAPPED => {
            buf.truncate(len.min(buf.len()));
            let msg = alloc::string::String::from_utf8_lossy(&buf).into_owned();
            Ok(JoinStatus::Trapped(msg))
        }
        e => Err(e),
    }
}

/// Tells the host that nobody will join `tid`.
pub(crate) fn thread_detach(tid: i32) -> i32 {
    // SAFETY: a scalar call; the host validates `tid`.
    unsafe { wt_thread_detach(tid) }
}

/// Offers the rest of the time slice to other threads.
pub(crate) fn thread_yield() {
    // SAFETY: no arguments.
    unsafe { wt_thread_yield() }
}

/// How many threads the host can run in parallel (at least 1).
pub(crate) fn available_parallelism() -> usize {
    // SAFETY: no arguments.
    let n = unsafe { wt_available_parallelism() };
    usize::try_from(n).unwrap_or(1).max(1)
}

/// Sleeps while `*word == expected`, until woken or `timeout` elapses.
/// Returns `false` only when the timeout elapsed.
#[inline]
pub(crate) fn wait32(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> bool {
    let ns = super::timeout_ns(timeout);
    let addr = core::ptr::from_ref(word).addr();
    event(abi::FUTEX_WAIT, addr, expected as usize, ns);
    // SAFETY: `word` is a valid, aligned atomic in linear memory.
    let r = unsafe { wt_wait32(word, expected, ns) };
    event(abi::FUTEX_WAITED, addr, r.cast_unsigned() as usize, 0);
    r != abi::WAIT_TIMED_OUT
}

/// Wakes up to `count` threads waiting on `word`; returns how many were woken.
#[inline]
pub(crate) fn wake(word: &AtomicU32, count: u32) -> u32 {
    // SAFETY: `word` is a valid, aligned atomic in linear memory.
    let r = unsafe { wt_wake(word, count) };
    let woken = u32::try_from(r).unwrap_or(0);
    event(abi::FUTEX_WAKE, core::ptr::from_ref(word).addr(), woken as usize, 0);
    woken
}

/// Reports an event (`abi::EVENT_MASK`, `docs/trace.md`) to a tracing host. Threadify makes the
/// import an empty function that the engine inlines away, unless the module runs traced.
#[inline(always)]
pub(crate) fn event(kind: i32, a: usize, b: usize, c: i64) {
    // SAFETY: replaced by threadify with a function that at most records its scalar
    // arguments; it never dereferences them.
    unsafe { wp_event(kind, a, b, c) }
}

/// Ends the calling thread with a trap that carries `msg`.
pub(crate) fn abort(msg: &str) -> ! {
    // SAFETY: `msg` is valid UTF-8 for its length.
    unsafe { wt_abort(msg.as_ptr(), msg.len()) }
}

/// Writes `bytes` to `fd` (`abi::FD_STDOUT` or `abi::FD_STDERR`).
pub(crate) fn write(fd: i32, bytes: &[u8]) -> i32 {
    // SAFETY: `bytes` is readable for its length.
    unsafe { wt_write(fd, bytes.as_ptr(), bytes.len()) }
}

/// Monotonic clock in nanoseconds.
#[inline]
pub(crate) fn clock_ns() -> u64 {
    // SAFETY: no arguments.
    let t = unsafe { wt_clock_ns() };
    u64::try_from(t).unwrap_or(0)
}

/// Size of the module's thread-local block (`__tls_size`).
pub(crate) fn tls_size() -> usize {
    // SAFETY: replaced by threadify with `global.get $__tls_size`.
    unsafe { wp_tls_size() }
}

/// Alignment of the module's thread-local block (`__tls_align`).
pub(crate) fn tls_align() -> usize {
    // SAFETY: replaced by threadify with `global.get $__tls_align`.
    unsafe { wp_tls_align() }
}

/// This thread's control block pointer (null until set), kept in a per-instance global.
#[inline]
pub(crate) fn self_get() -> *mut u8 {
    // SAFETY: replaced by threadify with a read of a per-instance global.
    unsafe { wp_self_get() }
}

/// Sets this thread's control block pointer.
#[inline]
pub(crate) fn self_set(ptr: *mut u8) {
    // SAFETY: replaced by threadify with a write of a per-instance global; the value is
    // only ever read back by `self_get`.
    unsafe { wp_self_set(ptr) }
}

/// The owner value at the thread pointer (`abi::OWNER_AT_THREAD_POINTER`) as `self_set` last
/// found it, kept in a per-instance global: what every lock takes, without the thread pointer's
/// null check and load. `None` while the pointer is null.
#[inline]
pub(crate) fn owner_get() -> Option<core::num::NonZeroU32> {
    // SAFETY: replaced by threadify with a read of a per-instance global.
    core::num::NonZeroU32::new(unsafe { wp_owner_get() })
}

/// Whether spawned threads need a shadow stack allocated by the guest: on wasm every thread's
/// `__stack_pointer` points into memory the guest allocates.
pub(crate) const SHADOW_STACK: bool = true;

/// Makes `ptr` the control block of a thread the runtime did not start: the main thread, which
/// lives as long as the program, so `release` is never needed.
pub(crate) fn adopt_thread(ptr: *mut u8, _release: unsafe fn(*mut u8)) {
    self_set(ptr);
}

/// Whether a thread the runtime did not start is the program's main thread: here the only one,
/// which runs the invoked export (`abi::MAIN_THREAD_ID`), so its `ThreadId` is 1 too.
pub(crate) const ADOPTED_IS_MAIN: bool = true;

/// The name of a thread the runtime did not start: only ever the main thread here.
pub(crate) fn adopted_thread_name() -> Option<alloc::string::String> {
    Some(alloc::string::String::from("main"))
}

/// Whether the calling thread panics, if Rust std keeps that flag (a guest built with std);
/// `None` when the crate's own panic handler does.
pub(crate) fn std_panicking() -> Option<bool> {
    #[cfg(feature = "build-std")]
    return Some(std::thread::panicking());
    #[cfg(not(feature = "build-std"))]
    None
}
