//! Threads that ended without unwinding, so that locks they held are recovered instead of
//! hanging.
//!
//! On a wthreads host a panic ends its thread without unwinding, and so does a trap, so a
//! `MutexGuard` it held is never dropped. Every lock that can be held across user code therefore
//! stores its holder's *owner value* (a number derived from the [`ThreadId`]) in its lock word,
//! and a reader notes its read locks ([`super::held_reads`]). The panic handler (for a trap: the
//! host's post-mortem call of the thread's entry) records the dying thread here; a thread that
//! finds a lock held by a dead owner takes it over and reports it as poisoned, as std does after
//! unwinding, and a writer releases a dead thread's read locks.
//!
//! Nothing is written into a lock by the dying thread: only threads that hold a reference to
//! the lock touch it, so a lock that was moved or freed meanwhile cannot be corrupted.

use super::ThreadId;
use super::current::ThreadCore;
use super::held_reads::ReadNote;
use alloc::vec::Vec;
use core::ptr::null;
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;
use spin::mutex::SpinMutex;

/// Owner values fit in 31 bits: lock words keep the top bit for their "contended" flag.
pub(crate) const OWNER_MASK: u32 = 0x7FFF_FFFF;

/// The owner value of locks taken by the runtime itself (allocator, thread lists), whose
/// critical sections never run user code and so never end in a panic.
pub(crate) const ANONYMOUS: u32 = OWNER_MASK;

/// How often a thread waiting for a lock checks whether its holder died. A dying thread
/// cannot wake the waiters of locks it does not know it holds, so they look by themselves.
pub(crate) const DEAD_OWNER_POLL: Duration = Duration::from_millis(20);

/// How often a thread waiting for a `Mutex` checks whether its holder died: on wasm never, as a
/// host wakes the waiters of a dead thread's mutexes (`docs/abi.md`, "Deadlocks"), so that the
/// wait has no timeout and the host can tell a deadlock.
pub(crate) const MUTEX_DEAD_OWNER_POLL: Option<Duration> =
    if cfg!(target_arch = "wasm32") { None } else { Some(DEAD_OWNER_POLL) };

/// The owner value of the thread with id `id`: in `1..ANONYMOUS`, so never 0 (unlocked) nor
/// [`ANONYMOUS`]. Values repeat only after 2^31 − 2 threads.
pub(crate) fn owner_of(id: ThreadId) -> u32 {
    let span = u64::from(ANONYMOUS - 1);
    // The result is at most `span`, which fits in u32.
    u32::try_from((id.as_u64().get() - 1) % span + 1).unwrap_or(1)
}

/// The threads that died without unwinding. A dying thread may be out of memory (its panic may be the
/// allocator's), so its death is recorded without allocating: its control block, which lives
/// until the thread is joined or reclaimed, is linked into `dying`; when the block is freed, its
/// owner value moves into `owners`, which keeps it for good, and the notes of the read locks it
/// still held ([`super::held_reads`]) into `reads`, until a writer releases them.
struct Registry {
    owners: Vec<u32>,
    reads: Vec<ReadNote>,
    /// Cores of dead threads whose control blocks are not freed yet, linked through
    /// `ThreadCore::next_dying`.
    dying: *const ThreadCore,
}

// SAFETY: the registry only points at control blocks, which outlive their place in it, and the
// links of the blocks in `dying` are only touched under the registry's lock.
unsafe impl Send for Registry {}

/// The registry under a spin lock: it sits below the futex locks (which consult it), is taken
/// only once some thread died, and is held for a list walk (or a push that may allocate, which
/// never takes this lock).
static DEAD: SpinMutex<Registry> = SpinMutex::new(Registry { owners: Vec::new(), reads: Vec::new(), dying: null() });

/// How many threads died, so the common case (no panic ever) needs no lock.
static DEAD_COUNT: AtomicU32 = AtomicU32::new(0);

/// Records that the thread of `tcb` ended without unwinding (a panic, or a trap: then the host's
/// post-mortem call runs this, possibly after the panic handler did). Never allocates.
pub(crate) fn mark_dead(tcb: &ThreadCore) {
    {
        let mut registry = DEAD.lock();
        let mut cur = registry.dying;
        // SAFETY: the blocks in the list are live while the lock is held (see `retire`).
        while let Some(t) = unsafe { cur.as_ref() } {
            if core::ptr::eq(t, tcb) {
                return;
            }
            cur = t.next_dying.get();
        }
        tcb.next_dying.set(registry.dying);
        registry.dying = tcb;
    }
    // Release: a thread that sees the new count also sees the record (it takes the lock
    // anyway, which orders it too).
    DEAD_COUNT.fetch_add(1, Ordering::Release);
}

/// Moves the record of a dead thread out of its control block, which is about to be freed (a
/// block that is not in the registry is left alone). If there is no memory for the record, it
/// is lost, and locks the thread held stay held.
pub(crate) fn retire(tcb: &ThreadCore) {
    let registry = &mut *DEAD.lock();
    let mut link: *mut *const ThreadCore = &raw mut registry.dying;
    // SAFETY: `link` points at the list head or at the link of a block in the list; the blocks
    // in the list are live (they leave it here, before they are freed).
    unsafe {
        while !(*link).is_null() {
            let cur = &**link;
            if core::ptr::eq(cur, tcb) {
                *link = cur.next_dying.get();
                // Fallible: this may run in a thread that is out of memory itself.
                if registry.owners.try_reserve(1).is_ok() {
                    registry.owners.push(tcb.owner);
                }
                for note in tcb.reads.iter() {
                    if registry.reads.try_reserve(1).is_ok() {
                        registry.reads.push(note);
                    }
                }
                return;
            }
            link = cur.next_dying.as_ptr();
        }
    }
}

/// The cores of dead threads whose blocks are not freed yet, while `registry` is locked.
fn dying(registry: &Registry) -> impl Iterator<Item = &ThreadCore> {
    let mut cur = registry.dying;
    core::iter::from_fn(move || {
        // SAFETY: the blocks in the list are live while the lock is held, which the borrow of
        // the locked registry proves (see `retire`).
        let t = unsafe { cur.as_ref() }?;
        cur = t.next_dying.get();
        Some(t)
    })
}

/// Whether the thread with owner value `owner` ended without unwinding.
pub(crate) fn is_dead(owner: u32) -> bool {
    if owner == ANONYMOUS || !any_dead() {
        return false;
    }
    let registry = DEAD.lock();
    dying(&registry).any(|t| t.owner == owner) || registry.owners.contains(&owner)
}

/// Whether any thread has died without unwinding (then waiters look for dead holders).
pub(crate) fn any_dead() -> bool {
    // Acquire: pairs with `mark_dead`.
    DEAD_COUNT.load(Ordering::Acquire) != 0
}

/// If a dead thread held the read lock `note`, forgets one such note and returns `true`: the
/// caller, which holds a reference to that very lock, then releases the read lock for it.
pub(crate) fn take_dead_read(note: ReadNote) -> bool {
    if !any_dead() {
        return false;
    }
    let mut registry = DEAD.lock();
    // The dead thread no longer touches its notes; under the lock, we alone do.
    if dying(&registry).any(|t| t.reads.remove(note)) {
        return true;
    }
    let found = registry.reads.iter().position(|&n| n == note);
    found.map(|i| registry.reads.swap_remove(i)).is_some()
}

/// The owner value of the thread that holds something (0: nobody), kept beside a lock whose own
/// word cannot hold it (an `RwLock`'s write lock, a `Once`'s running closure), so that a waiter
/// can release what a thread that died without unwinding held. (A `Mutex` keeps its holder in
/// its lock word, see `RawMutex`.)
pub(crate) struct Holder(crate::atomic::AtomicU32);

impl Holder {
    crate::atomic::const_unless_loom! {
        /// Nobody holds it.
        pub(crate) fn new() -> Holder {
            Holder(crate::atomic::AtomicU32::new(0))
        }
    }

    /// Records the thread with owner value `owner` as the holder.
    #[inline]
    pub(crate) fn set(&self, owner: u32) {
        // Relaxed here and in `clear`: read only by waiters, as a hint checked against the
        // death registry, and claimed by a compare-exchange.
        self.0.store(owner, crate::atomic::Ordering::Relaxed);
    }

    /// Records that nobody holds it.
    #[inline]
    pub(crate) fn clear(&self) {
        self.0.store(0, crate::atomic::Ordering::Relaxed);
    }

    /// Whether the holder died (a snapshot).
    pub(crate) fn died(&self) -> bool {
        // Relaxed: a snapshot; the death registry's lock orders the record of the death.
        let owner = self.0.load(crate::atomic::Ordering::Relaxed);
        owner != 0 && is_dead(owner)
    }

    /// If the holder died, clears the word and returns `true` for exactly one caller, which then
    /// releases what the dead thread held.
    pub(crate) fn claim_from_dead(&self) -> bool {
        // Relaxed: a hint, confirmed by the exchange.
        let owner = self.0.load(crate::atomic::Ordering::Relaxed);
        // Acquire: the claimer must see what the dead holder wrote.
        owner != 0
            && is_dead(owner)
            && self
                .0
                .compare_exchange(owner, 0, crate::atomic::Ordering::Acquire, crate::atomic::Ordering::Relaxed)
                .is_ok()
    }
}
