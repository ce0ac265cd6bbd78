//! The runtime API contract shared by guests and hosts (see `docs/abi.md`).
//!
//! Every number that crosses the guest/host boundary is named here once. The guest library
//! uses these constants in its imports; the native host depends on this crate (without
//! default features) and uses the same constants, so the two cannot drift apart.

/// Version of the runtime API described in `docs/abi.md`.
///
/// A guest exports it as `wthreads_abi_version() -> i32`; a host refuses a module whose
/// version differs from its own and names both versions.
pub const ABI_VERSION: i32 = 1;

/// Import module name of the runtime API that the host provides.
pub const IMPORT_MODULE: &str = "wthreads";

/// Import module name of the functions that threadify replaces with local code.
///
/// A module that still imports from here has not been patched.
pub const PATCH_MODULE: &str = "wthreads_patch";

/// Export through which the guest reports its ABI version.
pub const EXPORT_ABI_VERSION: &str = "wthreads_abi_version";

/// Export that the guest library provides: runs the closure of a new thread.
pub const EXPORT_THREAD_ENTRY: &str = "wthreads_thread_entry";

/// Export that threadify adds: `(start_arg, stack_top, tls_block)`; the host calls it in a new
/// instance to start a thread.
pub const EXPORT_THREAD_START: &str = "wthreads_thread_start";

/// Name of the custom section that marks a module as patched by threadify.
pub const PATCHED_SECTION: &str = "wthreads.threadify";

/// Thread id of the thread that runs the invoked entry function.
pub const MAIN_THREAD_ID: i32 = 1;

/// `thread_join`: the thread returned from its entry normally.
pub const JOIN_RETURNED: i32 = 0;
/// `thread_join`: the thread ended by a trap (a panic reaches the host as a trap via `abort`).
pub const JOIN_TRAPPED: i32 = 1;

/// `wait32`: woken by `wake` (or spuriously).
pub const WAIT_WOKEN: i32 = 0;
/// `wait32`: the word did not hold the expected value; the caller did not sleep.
pub const WAIT_NOT_EQUAL: i32 = 1;
/// `wait32`: the timeout elapsed.
pub const WAIT_TIMED_OUT: i32 = 2;

/// `wake`: wake every waiter.
pub const WAKE_ALL: u32 = u32::MAX;

/// `wait32`: no timeout (any negative value means the same).
pub const NO_TIMEOUT: i64 = -1;

/// `write`: the guest's standard output.
pub const FD_STDOUT: i32 = 1;
/// `write`: the guest's standard error.
pub const FD_STDERR: i32 = 2;

/// `lock_event`: a thread starts to acquire the lock at `addr`.
pub const LOCK_ACQUIRE_STARTED: i32 = 0;
/// `lock_event`: a thread holds the lock at `addr`.
pub const LOCK_ACQUIRED: i32 = 1;
/// `lock_event`: a thread released the lock at `addr`.
pub const LOCK_RELEASED: i32 = 2;

/// Error: no thread has this id, or it was detached.
pub const ERR_NO_SUCH_THREAD: i32 = -1;
/// Error: a thread tried to join itself.
pub const ERR_JOIN_SELF: i32 = -2;
/// Error: the thread was already joined (or another thread is joining it).
pub const ERR_ALREADY_JOINED: i32 = -3;
/// Error: the host's limit on live threads is reached.
pub const ERR_THREAD_LIMIT: i32 = -4;
/// Error: a pointer or range lies outside linear memory.
pub const ERR_OUT_OF_BOUNDS: i32 = -5;
/// Error: an address is not aligned as the operation requires.
pub const ERR_MISALIGNED: i32 = -6;
/// Error: an unknown file descriptor.
pub const ERR_BAD_FD: i32 = -7;
/// Error: the host could not create the thread (out of OS resources).
pub const ERR_SPAWN_FAILED: i32 = -8;
/// Error: an argument is invalid (for example a negative length).
pub const ERR_INVALID_ARGUMENT: i32 = -9;

/// A short name for an error code, for messages (`"ERR_NO_SUCH_THREAD"`).
#[must_use]
pub const fn error_name(code: i32) -> &'static str {
    match code {
        ERR_NO_SUCH_THREAD => "no such thread",
        ERR_JOIN_SELF => "a thread cannot join itself",
        ERR_ALREADY_JOINED => "thread already joined",
        ERR_THREAD_LIMIT => "thread limit reached",
        ERR_OUT_OF_BOUNDS => "address out of bounds",
        ERR_MISALIGNED => "misaligned address",
        ERR_BAD_FD => "bad file descriptor",
        ERR_SPAWN_FAILED => "the host could not create a thread",
        ERR_INVALID_ARGUMENT => "invalid argument",
        _ => "unknown error",
    }
}
