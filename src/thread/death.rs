//! Threads that ended by a panic, so that locks they held are recovered instead of hanging.
//!
//! On a wthreads host a panic ends its thread without unwinding, so a `MutexGuard` it held is
//! never dropped. Every lock that can be held across user code therefore stores its holder's
//! *owner value* (a number derived from the [`ThreadId`]) in its lock word. The panic handler
//! records the owner value of the dying thread here; a thread that finds a lock held by a dead
//! owner takes it over and reports it as poisoned, as std does after unwinding.
//!
//! Nothing is written into a lock by the dying thread: only threads that hold a reference to
//! the lock touch it, so a lock that was moved or freed meanwhile cannot be corrupted.

use super::ThreadId;
use crate::sync::raw_mutex::RawMutex;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

/// Owner values fit in 31 bits: lock words keep the top bit for their "contended" flag.
pub(crate) const OWNER_MASK: u32 = 0x7FFF_FFFF;

/// The owner value of locks taken by the runtime itself (allocator, thread lists), whose
/// critical sections never run user code and so never end in a panic.
pub(crate) const ANONYMOUS: u32 = OWNER_MASK;

/// How often a thread waiting for a lock checks whether its holder died. A dying thread
/// cannot wake the waiters of locks it does not know it holds, so they look by themselves.
pub(crate) const DEAD_OWNER_POLL: Duration = Duration::from_millis(20);

/// The owner value of the thread with id `id`: in `1..ANONYMOUS`, so never 0 (unlocked) nor
/// [`ANONYMOUS`]. Values repeat only after 2^31 − 2 threads.
pub(crate) fn owner_of(id: ThreadId) -> u32 {
    let span = u64::from(ANONYMOUS - 1);
    // The result is at most `span`, which fits in u32.
    u32::try_from((id.as_u64().get() - 1) % span + 1).unwrap_or(1)
}

struct Registry {
    lock: RawMutex,
    owners: UnsafeCell<Vec<u32>>,
}

// SAFETY: `owners` is only accessed while `lock` is held.
unsafe impl Sync for Registry {}

#[cfg(not(loom))]
static DEAD: Registry = Registry { lock: RawMutex::new(), owners: UnsafeCell::new(Vec::new()) };
// Under loom the lock's atomic belongs to one model execution.
#[cfg(loom)]
loom::lazy_static! {
    static ref DEAD: Registry = Registry { lock: RawMutex::new(), owners: UnsafeCell::new(Vec::new()) };
}
/// How many owners are in `DEAD`, so the common case (no panic ever) needs no lock.
static DEAD_COUNT: AtomicU32 = AtomicU32::new(0);

/// Records that the thread with owner value `owner` ended by a panic.
#[cfg(target_arch = "wasm32")]
pub(crate) fn mark_dead(owner: u32) {
    DEAD.lock.lock();
    // SAFETY: the registry lock is held.
    unsafe { (*DEAD.owners.get()).push(owner) };
    // Release: a thread that sees the new count also sees the pushed owner (it takes the lock
    // anyway, which orders it too).
    DEAD_COUNT.fetch_add(1, Ordering::Release);
    // SAFETY: locked above.
    unsafe { DEAD.lock.unlock() };
}

/// Whether the thread with owner value `owner` ended by a panic.
pub(crate) fn is_dead(owner: u32) -> bool {
    // Acquire: pairs with `mark_dead`.
    if owner == ANONYMOUS || DEAD_COUNT.load(Ordering::Acquire) == 0 {
        return false;
    }
    DEAD.lock.lock();
    // SAFETY: the registry lock is held.
    let dead = unsafe { (*DEAD.owners.get()).contains(&owner) };
    // SAFETY: locked above.
    unsafe { DEAD.lock.unlock() };
    dead
}
