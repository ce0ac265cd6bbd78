//! The futex mutex under `Mutex`, and under the runtime's own locks (allocator, thread lists).

use super::events::{LockKind, emit};
use crate::abi;
use crate::atomic::{AtomicU32, Ordering};
use crate::futex::{futex_wait, futex_wake};
use crate::outlined::outlined;
use crate::runtime::death::{self, ANONYMOUS, OWNER_MASK};

/// Nobody holds the lock.
const UNLOCKED: u32 = 0;
/// Set while threads may be sleeping on the word: the unlocker must wake one.
const CONTENDED: u32 = abi::MUTEX_CONTENDED;

/// How a lock was acquired.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Acquired {
    /// From an unlocked state.
    Clean,
    /// Taken over from a thread that ended (a panic or a trap) while holding it.
    FromDeadOwner,
}

/// A futex-style mutex: one word; lock and unlock are a single atomic each when uncontended,
/// and only contended paths reach the runtime API.
///
/// | word               | meaning                                                   |
/// |--------------------|-----------------------------------------------------------|
/// | `UNLOCKED`         | free                                                      |
/// | `owner`            | held by the thread with that owner value, nobody waits    |
/// | `owner│CONTENDED`  | held, and waiters may sleep on the word                   |
///
/// The owner value (see [`death`]) lets a waiter notice that the holder ended by a panic or a trap.
pub(crate) struct RawMutex {
    futex: AtomicU32,
}

impl RawMutex {
    crate::atomic::const_unless_loom! {
        pub(crate) fn new() -> RawMutex {
            RawMutex { futex: AtomicU32::new(UNLOCKED) }
        }
    }

    /// Tries to take the lock for the runtime itself, without waiting.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.try_acquire(ANONYMOUS, LockKind::INTERNAL).is_some()
    }

    /// Tries to take the lock for `owner` without waiting; also takes it over from a dead owner.
    #[inline]
    pub(crate) fn try_lock_as(&self, owner: u32) -> Option<Acquired> {
        self.try_acquire(owner, LockKind::USER)
    }

    /// [`try_lock_as`](Self::try_lock_as) with the events' kind, as in `acquire`.
    #[inline]
    fn try_acquire(&self, owner: u32, kind: LockKind) -> Option<Acquired> {
        // Acquire: on success we must see everything the previous holder wrote.
        let how = match self.futex.compare_exchange(UNLOCKED, owner, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => Some(Acquired::Clean),
            Err(state) => self.take_from_dead(state, owner),
        };
        let event = if how.is_some() { abi::LOCK_ACQUIRED } else { abi::LOCK_TRY_FAILED };
        emit(event, kind, self.addr());
        how
    }

    /// Takes the lock for the runtime itself, sleeping if another thread holds it.
    #[inline]
    pub(crate) fn lock(&self) {
        self.acquire(ANONYMOUS, LockKind::INTERNAL);
    }

    /// Takes the lock for the thread with owner value `owner`, sleeping while another holds it.
    #[inline]
    pub(crate) fn lock_as(&self, owner: u32) -> Acquired {
        self.acquire(owner, LockKind::USER)
    }

    /// Takes the lock for `owner`, whose events are of `kind` (known where it is called, so
    /// that the event's arguments are constants there).
    #[inline]
    fn acquire(&self, owner: u32, kind: LockKind) -> Acquired {
        debug_assert!(owner != UNLOCKED && owner & CONTENDED == 0);
        // Acquire: as in `try_lock_as`.
        let how = match self.futex.compare_exchange(UNLOCKED, owner, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => Acquired::Clean,
            Err(_) => outlined!(RawMutex::lock_contended as fn(&RawMutex, u32) -> Acquired)(self, owner),
        };
        emit(abi::LOCK_ACQUIRED, kind, self.addr());
        how
    }

    /// The slow path, where the acquire waits: reported as started here, not on the fast path
    /// (an uncontended acquire is one event).
    #[cold]
    #[inline(never)]
    fn lock_contended(&self, owner: u32) -> Acquired {
        emit(abi::LOCK_ACQUIRE_STARTED, kind_of(owner), self.addr());
        let mut state = self.spin();
        // Once this thread has slept, others may sleep too: it must take the lock with the
        // CONTENDED flag so that its unlock wakes the next one.
        let mut flag = 0;
        loop {
            if state == UNLOCKED {
                // Acquire: as in `try_lock_as`.
                match self.futex.compare_exchange(UNLOCKED, owner | flag, Ordering::Acquire, Ordering::Relaxed) {
                    Ok(_) => return Acquired::Clean,
                    Err(s) => {
                        state = s;
                        continue;
                    }
                }
            }
            if let Some(how) = self.take_from_dead(state, owner) {
                return how;
            }
            if state & CONTENDED == 0 {
                // Relaxed: only announces a sleeper; the lock itself is taken by the CASes above.
                if let Err(s) =
                    self.futex.compare_exchange(state, state | CONTENDED, Ordering::Relaxed, Ordering::Relaxed)
                {
                    state = s;
                    continue;
                }
            }
            flag = CONTENDED;
            let holder = state & OWNER_MASK;
            let poll = death::MUTEX_DEAD_OWNER_POLL.filter(|_| holder != ANONYMOUS);
            futex_wait(&self.futex, holder | CONTENDED, poll);
            state = self.spin();
        }
    }

    /// If `state` is held by a thread that ended without unwinding, takes the lock over for `owner`.
    fn take_from_dead(&self, state: u32, owner: u32) -> Option<Acquired> {
        if state == UNLOCKED || !death::is_dead(state & OWNER_MASK) {
            return None;
        }
        // Keep CONTENDED: threads may sleep on the word. Acquire: we must see what the dead
        // holder wrote before it died (its data is then reported as poisoned).
        self.futex
            .compare_exchange(state, owner | CONTENDED, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| Acquired::FromDeadOwner)
    }

    /// Whether the lock is held by a thread that ended without unwinding (nobody can release it but a
    /// thread that takes it over).
    pub(crate) fn held_by_dead(&self) -> bool {
        // Relaxed: a snapshot; the death registry's lock orders the record of the death.
        let state = self.futex.load(Ordering::Relaxed);
        state != UNLOCKED && death::is_dead(state & OWNER_MASK)
    }

    /// Unlocks a lock left by a dead holder, through exclusive access (nobody can wait on it).
    /// Returns whether there was one.
    pub(crate) fn clear_dead(&mut self) -> bool {
        let dead = self.held_by_dead();
        if dead {
            // Relaxed: `&mut self` excludes every other access.
            self.futex.store(UNLOCKED, Ordering::Relaxed);
        }
        dead
    }

    /// Spins a bounded number of times while the lock is held and nobody sleeps on it: the
    /// holder may release it soon.
    fn spin(&self) -> u32 {
        super::spin_wait::spin_until(&self.futex, |s| s == UNLOCKED || s & CONTENDED != 0)
    }

    /// Releases a lock taken with [`lock_as`](Self::lock_as) (one the program created).
    ///
    /// # Safety
    /// The calling thread must hold the lock.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // SAFETY: per the contract.
        unsafe { self.release(LockKind::USER) }
    }

    /// Releases a lock taken with [`lock`](Self::lock) (the runtime's own).
    ///
    /// # Safety
    /// The calling thread must hold the lock.
    #[inline]
    pub(crate) unsafe fn unlock_internal(&self) {
        // SAFETY: per the contract.
        unsafe { self.release(LockKind::INTERNAL) }
    }

    /// # Safety
    /// The calling thread must hold the lock, taken as `kind` says.
    #[inline]
    unsafe fn release(&self, kind: LockKind) {
        // Reported before the release, so that a trace orders it before the next acquire.
        emit(abi::LOCK_RELEASED, kind, self.addr());
        // Release: publishes the critical section's writes to the next holder.
        let state = self.futex.swap(UNLOCKED, Ordering::Release);
        if state & CONTENDED != 0 {
            outlined!(RawMutex::wake as fn(&RawMutex) -> ())(self);
        }
    }

    #[cold]
    #[inline(never)]
    fn wake(&self) {
        futex_wake(&self.futex);
    }

    /// The lock's address in events: its word's.
    fn addr(&self) -> *const u8 {
        (&raw const self.futex).cast()
    }
}

/// The events' kind of a lock held by `owner`: the runtime's own locks are taken anonymously.
fn kind_of(owner: u32) -> LockKind {
    if owner == ANONYMOUS { LockKind::INTERNAL } else { LockKind::USER }
}
