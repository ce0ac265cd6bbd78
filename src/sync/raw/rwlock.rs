//! The futex reader-writer lock under [`RwLock`](crate::sync::RwLock): writer-preferring, with the
//! recovery of what threads that died without unwinding held.

use super::events::{LockKind, emit};
use super::spin_wait::spin_until;
use crate::abi;
use crate::atomic::{AtomicU32, Ordering};
use crate::futex::{futex_wait, futex_wake, futex_wake_all};
use crate::outlined::outlined;
use crate::runtime::death;
use crate::runtime::held_reads::ReadNote;

/// The reader count occupies the low 30 bits; all ones means write-locked.
const MASK: u32 = (1 << 30) - 1;
const WRITE_LOCKED: u32 = MASK;
const MAX_READERS: u32 = MASK - 1;
/// Readers sleep on `state`.
const READERS_WAITING: u32 = 1 << 30;
/// Writers sleep on `writer_notify`.
const WRITERS_WAITING: u32 = 1 << 31;

fn is_unlocked(state: u32) -> bool {
    state & MASK == 0
}

fn is_write_locked(state: u32) -> bool {
    state & MASK == WRITE_LOCKED
}

fn has_readers_waiting(state: u32) -> bool {
    state & READERS_WAITING != 0
}

fn has_writers_waiting(state: u32) -> bool {
    state & WRITERS_WAITING != 0
}

/// A reader may enter only if no writer holds or waits for the lock (writer preference) and
/// no reader is already queued behind one.
fn is_read_lockable(state: u32) -> bool {
    state & MASK < MAX_READERS && !has_readers_waiting(state) && !has_writers_waiting(state)
}

/// The raw lock.
///
/// `state`: reader count or `WRITE_LOCKED` in the low 30 bits, plus `READERS_WAITING` and
/// `WRITERS_WAITING`. `writer_notify` is a counter writers sleep on, so that one writer can
/// be woken without waking every reader. `writer` names the thread holding the write lock, so
/// waiters can recover a lock whose writer died without unwinding.
/// Each reader notes the lock in its control block under the lock's `id` (given on the first
/// read, see [`crate::runtime::held_reads`]), so that a writer can release a dead reader's lock.
pub(crate) struct RawRwLock {
    state: AtomicU32,
    writer_notify: AtomicU32,
    writer: death::Holder,
    id: core::sync::atomic::AtomicU32,
}

/// The id the next lock read for the first time gets.
static NEXT_ID: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(1);

impl RawRwLock {
    crate::atomic::const_unless_loom! {
        pub(in crate::sync) fn new() -> RawRwLock {
            RawRwLock {
                state: AtomicU32::new(0),
                writer_notify: AtomicU32::new(0),
                writer: death::Holder::new(),
                id: core::sync::atomic::AtomicU32::new(0),
            }
        }
    }

    /// How the readers of this lock note it (see [`crate::runtime::held_reads`]).
    #[inline]
    pub(in crate::sync) fn note(&self) -> ReadNote {
        // Relaxed here and below: the id only has to be unique and the same for every reader,
        // which the read-modify-writes on the two words give.
        let mut id = self.id.load(core::sync::atomic::Ordering::Relaxed);
        if id == 0 {
            id = outlined!(RawRwLock::first_id as fn(&RawRwLock) -> u32)(self);
        }
        ReadNote { lock: core::ptr::from_ref(self).addr(), id }
    }

    #[cold]
    #[inline(never)]
    fn first_id(&self) -> u32 {
        use core::sync::atomic::Ordering::Relaxed;
        let fresh = match NEXT_ID.fetch_add(1, Relaxed) {
            0 => NEXT_ID.fetch_add(1, Relaxed), // wrapped around: 0 means "none yet"
            n => n,
        };
        match self.id.compare_exchange(0, fresh, Relaxed, Relaxed) {
            Ok(_) => fresh,
            Err(other) => other,
        }
    }

    #[inline]
    pub(in crate::sync) fn try_read(&self) -> bool {
        // Acquire: on success we must see the last writer's writes.
        let ok = self
            .state
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |s| is_read_lockable(s).then_some(s + 1))
            .is_ok();
        emit(if ok { abi::LOCK_ACQUIRED } else { abi::LOCK_TRY_FAILED }, LockKind::SHARED, self.addr());
        ok
    }

    /// Returns whether a dead writer's lock was recovered on the way (then the data is poisoned).
    #[inline]
    pub(in crate::sync) fn read(&self) -> bool {
        // Relaxed: the compare-exchange decides.
        let state = self.state.load(Ordering::Relaxed);
        let recovered = if is_read_lockable(state)
            && self.state.compare_exchange_weak(state, state + 1, Ordering::Acquire, Ordering::Relaxed).is_ok()
        {
            false
        } else {
            outlined!(RawRwLock::read_contended as fn(&RawRwLock) -> bool)(self)
        };
        emit(abi::LOCK_ACQUIRED, LockKind::SHARED, self.addr());
        recovered
    }

    /// The slow path, where the acquire may wait: reported as started here (as the mutex's).
    #[cold]
    #[inline(never)]
    fn read_contended(&self) -> bool {
        emit(abi::LOCK_ACQUIRE_STARTED, LockKind::SHARED, self.addr());
        let mut recovered = false;
        let mut state = self.spin_read();
        loop {
            if is_read_lockable(state) {
                // Acquire: as in `try_read`.
                match self.state.compare_exchange_weak(state, state + 1, Ordering::Acquire, Ordering::Relaxed) {
                    Ok(_) => return recovered,
                    Err(s) => {
                        state = s;
                        continue;
                    }
                }
            }
            assert!(state & MASK != MAX_READERS, "too many active read locks on RwLock");
            // Announce a sleeping reader.
            if !has_readers_waiting(state)
                && let Err(s) =
                    self.state.compare_exchange(state, state | READERS_WAITING, Ordering::Relaxed, Ordering::Relaxed)
            {
                state = s;
                continue;
            }
            futex_wait(&self.state, state | READERS_WAITING, self.poll(state));
            recovered |= self.recover_dead();
            state = self.spin_read();
        }
    }

    /// Takes the write lock for the thread with owner value `owner` if it is free.
    #[inline]
    pub(in crate::sync) fn try_write(&self, owner: u32) -> bool {
        // Acquire: as in `try_read`.
        let ok = self
            .state
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |s| is_unlocked(s).then_some(s + WRITE_LOCKED))
            .is_ok();
        if ok {
            self.writer.set(owner);
        }
        emit(if ok { abi::LOCK_ACQUIRED } else { abi::LOCK_TRY_FAILED }, LockKind::WRITE, self.addr());
        ok
    }

    /// Takes the write lock for the thread with owner value `owner`; returns whether a dead
    /// writer's lock was recovered on the way (then the data is poisoned).
    #[inline]
    pub(in crate::sync) fn write(&self, owner: u32) -> bool {
        // Acquire: as in `try_read`.
        let recovered =
            if self.state.compare_exchange_weak(0, WRITE_LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                false
            } else {
                outlined!(RawRwLock::write_contended as fn(&RawRwLock) -> bool)(self)
            };
        self.writer.set(owner);
        emit(abi::LOCK_ACQUIRED, LockKind::WRITE, self.addr());
        recovered
    }

    /// The slow path, where the acquire may wait: reported as started here (as the mutex's).
    #[cold]
    #[inline(never)]
    fn write_contended(&self) -> bool {
        emit(abi::LOCK_ACQUIRE_STARTED, LockKind::WRITE, self.addr());
        // Holders that died long ago are released before this writer ever sleeps on them.
        let mut recovered = self.recover_dead();
        let mut state = self.spin_write();
        // Once this writer slept, others may be asleep too: keep WRITERS_WAITING set when
        // taking the lock so that the unlock wakes the next one.
        let mut other_writers_waiting = 0;
        loop {
            if is_unlocked(state) {
                let locked = state | WRITE_LOCKED | other_writers_waiting;
                // Acquire: as in `try_read`.
                match self.state.compare_exchange_weak(state, locked, Ordering::Acquire, Ordering::Relaxed) {
                    Ok(_) => return recovered,
                    Err(s) => {
                        state = s;
                        continue;
                    }
                }
            }
            if !has_writers_waiting(state)
                && let Err(s) =
                    self.state.compare_exchange(state, state | WRITERS_WAITING, Ordering::Relaxed, Ordering::Relaxed)
            {
                state = s;
                continue;
            }
            other_writers_waiting = WRITERS_WAITING;
            // Acquire: pairs with the Release increment in `wake_writer_or_readers`.
            let seq = self.writer_notify.load(Ordering::Acquire);
            // Re-check after reading the counter: an unlock in between would be missed.
            state = self.state.load(Ordering::Relaxed);
            if is_unlocked(state) || !has_writers_waiting(state) {
                continue;
            }
            futex_wait(&self.writer_notify, seq, self.poll(state));
            recovered |= self.recover_dead();
            state = self.spin_write();
        }
    }

    /// While a thread holds the lock, waiters wake up now and then to check it is alive.
    fn poll(&self, state: u32) -> Option<core::time::Duration> {
        (!is_unlocked(state)).then_some(death::DEAD_OWNER_POLL)
    }

    /// Turns the write lock into one read lock, letting in the readers that wait unless a writer
    /// waits too (writer preference).
    ///
    /// # Safety
    /// The calling thread holds the write lock.
    pub(in crate::sync) unsafe fn downgrade(&self) {
        emit(abi::LOCK_RELEASED, LockKind::WRITE, self.addr());
        // Cleared before the state's Release below, as in `write_unlock`.
        self.writer.clear();
        // Release: publishes the writer's writes to the readers let in from now on.
        let state = self.state.fetch_sub(WRITE_LOCKED - 1, Ordering::Release) - (WRITE_LOCKED - 1);
        if has_readers_waiting(state) && !has_writers_waiting(state) {
            // Readers may enter now. Their flag goes first, since a queued-up reader flag keeps
            // new readers out; one that must still wait sets it again.
            self.state.fetch_and(!READERS_WAITING, Ordering::Relaxed);
            futex_wake_all(&self.state);
        }
        emit(abi::LOCK_ACQUIRED, LockKind::SHARED, self.addr());
    }

    /// Releases what threads that died in a panic hold of this lock. Returns whether that was
    /// the write lock (then the data is poisoned).
    pub(in crate::sync) fn recover_dead(&self) -> bool {
        if !death::any_dead() {
            return false;
        }
        let writer = self.recover_dead_writer();
        self.recover_dead_readers();
        writer
    }

    /// Whether the write lock is held by a thread that died in a panic.
    pub(in crate::sync) fn held_by_dead(&self) -> bool {
        // Relaxed: a snapshot; the death registry's lock orders the record of the death.
        is_write_locked(self.state.load(Ordering::Relaxed)) && self.writer.died()
    }

    /// Unlocks a write lock left by a dead writer, through exclusive access (nobody can wait on
    /// it). Returns whether there was one.
    pub(in crate::sync) fn clear_dead(&mut self) -> bool {
        let dead = self.held_by_dead();
        if dead {
            // Relaxed: `&mut self` excludes every other access.
            self.writer.clear();
            self.state.store(0, Ordering::Relaxed);
        }
        dead
    }

    /// Releases the read locks that threads which died in a panic held on this lock.
    fn recover_dead_readers(&self) {
        // Relaxed: a hint; `take_dead_read` decides under the registry's lock.
        let state = self.state.load(Ordering::Relaxed);
        if is_unlocked(state) || is_write_locked(state) || !death::any_dead() {
            return;
        }
        while death::take_dead_read(self.note()) {
            // SAFETY: a dead thread held this read lock, and taking its note gave us (alone) the
            // right to release it.
            unsafe { self.read_release() };
        }
    }

    /// If the write lock is held by a thread that died in a panic, releases it on its behalf
    /// (exactly one waiter does, by winning the exchange on `writer`). Returns whether it did.
    fn recover_dead_writer(&self) -> bool {
        // Relaxed: the unlock below synchronises.
        if !is_write_locked(self.state.load(Ordering::Relaxed)) || !self.writer.claim_from_dead() {
            return false;
        }
        // SAFETY: the write lock is held by a dead thread, and we won the right to release it.
        unsafe { self.write_release() };
        true
    }

    /// Releases a read lock of the calling thread, whose note `note_read` put in `slot`.
    ///
    /// # Safety
    /// The calling thread holds a read lock.
    #[inline]
    pub(in crate::sync) unsafe fn read_unlock(&self, slot: u8) {
        crate::runtime::held_reads::unnote_read(slot);
        // Reported before the release, so that a trace orders it before a writer's acquire.
        emit(abi::LOCK_RELEASED, LockKind::SHARED, self.addr());
        // SAFETY: per the contract.
        unsafe { self.read_release() };
    }

    /// # Safety
    /// The calling thread holds a read lock, or releases one for a dead thread.
    #[inline]
    unsafe fn read_release(&self) {
        // Release: publishes nothing new, but orders the reads before a writer's writes.
        let state = self.state.fetch_sub(1, Ordering::Release) - 1;
        // The last reader wakes a waiting writer. (Readers never wait while only readers hold
        // the lock unless a writer waits too.)
        if is_unlocked(state) && has_writers_waiting(state) {
            outlined!(RawRwLock::wake_writer_or_readers as fn(&RawRwLock, u32) -> ())(self, state);
        }
    }

    /// Releases the calling thread's write lock.
    ///
    /// # Safety
    /// The calling thread holds the write lock.
    #[inline]
    pub(in crate::sync) unsafe fn write_unlock(&self) {
        // Reported before the release, so that a trace orders it before the next acquire.
        emit(abi::LOCK_RELEASED, LockKind::WRITE, self.addr());
        // SAFETY: per the contract.
        unsafe { self.write_release() };
    }

    /// # Safety
    /// The calling thread holds the write lock, or releases it for a dead writer.
    #[inline]
    unsafe fn write_release(&self) {
        // Cleared before the state's Release below.
        self.writer.clear();
        // Release: publishes the writer's writes.
        let state = self.state.fetch_sub(WRITE_LOCKED, Ordering::Release) - WRITE_LOCKED;
        if has_readers_waiting(state) || has_writers_waiting(state) {
            outlined!(RawRwLock::wake_writer_or_readers as fn(&RawRwLock, u32) -> ())(self, state);
        }
    }

    /// Called with the lock unlocked: wakes one writer if any waits (writer preference), else
    /// all waiting readers.
    #[cold]
    #[inline(never)]
    fn wake_writer_or_readers(&self, mut state: u32) {
        debug_assert!(is_unlocked(state));
        if state == WRITERS_WAITING {
            match self.state.compare_exchange(state, 0, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => {
                    self.wake_writer();
                    return;
                }
                Err(s) => state = s,
            }
        }
        if state == READERS_WAITING | WRITERS_WAITING {
            if self.state.compare_exchange(state, READERS_WAITING, Ordering::Relaxed, Ordering::Relaxed).is_err() {
                // Someone took the lock meanwhile; their unlock wakes the waiters.
                return;
            }
            if self.wake_writer() {
                return;
            }
            // No writer was actually asleep: wake the readers instead.
            state = READERS_WAITING;
        }
        if state == READERS_WAITING
            && self.state.compare_exchange(state, 0, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            futex_wake_all(&self.state);
        }
    }

    fn wake_writer(&self) -> bool {
        // Release: pairs with the Acquire load in `write_contended`.
        self.writer_notify.fetch_add(1, Ordering::Release);
        futex_wake(&self.writer_notify)
    }

    /// The lock's address in events: its state word's.
    fn addr(&self) -> *const u8 {
        (&raw const self.state).cast()
    }

    /// Spins while write-locked and nobody sleeps (a short critical section may end).
    fn spin_read(&self) -> u32 {
        spin_until(&self.state, |s| !is_write_locked(s) || has_readers_waiting(s) || has_writers_waiting(s))
    }

    /// Spins while locked and nobody sleeps.
    fn spin_write(&self) -> u32 {
        spin_until(&self.state, |s| is_unlocked(s) || has_readers_waiting(s) || has_writers_waiting(s))
    }
}
