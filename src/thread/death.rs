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
use super::current::Tcb;
use super::held_reads::ReadNote;
use crate::sync::raw::mutex::RawMutex;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::ptr::null;
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

/// The threads that died without unwinding. A dying thread may be out of memory (its panic may be the
/// allocator's), so its death is recorded without allocating: its control block, which lives
/// until the thread is joined or reclaimed, is linked into `dying`; when the block is freed, its
/// owner value moves into `owners`, which keeps it for good, and the notes of the read locks it
/// still held ([`super::held_reads`]) into `reads`, until a writer releases them.
struct Registry {
    lock: RawMutex,
    owners: UnsafeCell<Vec<u32>>,
    reads: UnsafeCell<Vec<ReadNote>>,
    /// Control blocks of dead threads not freed yet, linked through `Tcb::next_dying`.
    dying: UnsafeCell<*const Tcb>,
}

// SAFETY: `owners`, `dying` and the links of the blocks in `dying` are only accessed while
// `lock` is held.
unsafe impl Sync for Registry {}
// SAFETY: as above; the registry only points at control blocks, which outlive their place in it.
unsafe impl Send for Registry {}

impl Registry {
    /// Runs `f` on the fields with the lock held.
    fn with<R>(&self, f: impl FnOnce(&mut Vec<u32>, &mut Vec<ReadNote>, &mut *const Tcb) -> R) -> R {
        self.lock.lock();
        // SAFETY: the registry lock is held, so nobody else accesses the fields.
        let r = unsafe { f(&mut *self.owners.get(), &mut *self.reads.get(), &mut *self.dying.get()) };
        // SAFETY: locked above.
        unsafe { self.lock.unlock() };
        r
    }
}

#[cfg(not(loom))]
static DEAD: Registry = Registry {
    lock: RawMutex::new(),
    owners: UnsafeCell::new(Vec::new()),
    reads: UnsafeCell::new(Vec::new()),
    dying: UnsafeCell::new(null()),
};
// Under loom the lock's atomic belongs to one model execution.
#[cfg(loom)]
loom::lazy_static! {
    static ref DEAD: Registry = Registry {
        lock: RawMutex::new(),
        owners: UnsafeCell::new(Vec::new()),
        reads: UnsafeCell::new(Vec::new()),
        dying: UnsafeCell::new(null()),
    };
}
/// How many threads died, so the common case (no panic ever) needs no lock.
static DEAD_COUNT: AtomicU32 = AtomicU32::new(0);

/// Records that the thread of `tcb` ended without unwinding (a panic, or a trap: then the host's
/// post-mortem call runs this, possibly after the panic handler did). Never allocates.
#[cfg(target_arch = "wasm32")]
pub(crate) fn mark_dead(tcb: &Tcb) {
    let added = DEAD.with(|_, _, dying| {
        let mut cur = *dying;
        // SAFETY: the blocks in the list are live while the lock is held (see `retire`).
        while let Some(t) = unsafe { cur.as_ref() } {
            if core::ptr::eq(t, tcb) {
                return false;
            }
            cur = t.next_dying.get();
        }
        tcb.next_dying.set(*dying);
        *dying = tcb;
        true
    });
    if !added {
        return;
    }
    // Release: a thread that sees the new count also sees the record (it takes the lock
    // anyway, which orders it too).
    DEAD_COUNT.fetch_add(1, Ordering::Release);
}

/// Moves the record of a dead thread out of its control block, which is about to be freed (a
/// block that is not in the registry is left alone). If there is no memory for the record, it
/// is lost, and locks the thread held stay held.
#[cfg(target_arch = "wasm32")]
pub(crate) fn retire(tcb: &Tcb) {
    DEAD.with(|owners, reads, dying| {
        let mut link: *mut *const Tcb = dying;
        // SAFETY: `link` points at the list head or at the link of a block in the list; the
        // blocks in the list are live (they leave it here, before they are freed).
        unsafe {
            while !(*link).is_null() {
                let cur = &**link;
                if core::ptr::eq(cur, tcb) {
                    *link = cur.next_dying.get();
                    // Fallible: this may run in a thread that is out of memory itself.
                    if owners.try_reserve(1).is_ok() {
                        owners.push(tcb.owner);
                    }
                    for note in tcb.reads.iter() {
                        if reads.try_reserve(1).is_ok() {
                            reads.push(note);
                        }
                    }
                    return;
                }
                link = cur.next_dying.as_ptr();
            }
        }
    });
}

/// Whether the thread with owner value `owner` ended without unwinding.
pub(crate) fn is_dead(owner: u32) -> bool {
    if owner == ANONYMOUS || !any_dead() {
        return false;
    }
    DEAD.with(|owners, _, dying| {
        let mut cur = *dying;
        // SAFETY: the blocks in the list are live while the lock is held (see `retire`).
        while let Some(t) = unsafe { cur.as_ref() } {
            if t.owner == owner {
                return true;
            }
            cur = t.next_dying.get();
        }
        owners.contains(&owner)
    })
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
    DEAD.with(|_, reads, dying| {
        let mut cur = *dying;
        // SAFETY: the blocks in the list are live while the lock is held (see `retire`).
        while let Some(t) = unsafe { cur.as_ref() } {
            // The dead thread no longer touches its notes; under the lock, we alone do.
            if t.reads.remove(note) {
                return true;
            }
            cur = t.next_dying.get();
        }
        let found = reads.iter().position(|&n| n == note);
        found.map(|i| reads.swap_remove(i)).is_some()
    })
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

    /// Records the calling thread as the holder.
    #[inline]
    pub(crate) fn set_current(&self) {
        // Relaxed here and in `clear`: read only by waiters, as a hint checked against the
        // death registry, and claimed by a compare-exchange.
        self.0.store(super::current_owner(), crate::atomic::Ordering::Relaxed);
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
