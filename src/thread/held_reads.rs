//! The read locks each thread holds, so that the read locks of a thread that died are released.
//!
//! A panic ends a thread without unwinding, so its `RwLockReadGuard`s are never dropped. Each
//! thread therefore notes the read locks it takes in its control block (a few fixed slots: no
//! allocation on the read path) and removes the note when it unlocks. When the thread has died,
//! a writer waiting for the lock finds the note through the death registry and releases the
//! read lock on the dead reader's behalf.
//!
//! A note names the lock by its address *and* by an id the lock carries, and only a thread that
//! holds a reference to the lock acts on it: a lock that was moved or freed after its guard was
//! forgotten (`mem::forget`) is never touched, and a new lock at the same address has another id.

use core::cell::Cell;

/// How many read locks a thread can hold at once and still have them released at its death;
/// more are taken as usual but stay held if it dies (as with std, where they are never released
/// once their guard is leaked).
pub(crate) const SLOTS: usize = 8;

/// One read lock held: the lock's address and id.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ReadNote {
    pub lock: usize,
    pub id: u32,
}

const EMPTY: ReadNote = ReadNote { lock: 0, id: 0 };

/// The notes of one thread, written only by that thread while it lives and only under the death
/// registry's lock once it has died.
pub(crate) struct HeldReads {
    len: Cell<usize>,
    notes: [Cell<ReadNote>; SLOTS],
}

impl HeldReads {
    /// No read lock held.
    pub(crate) const fn new() -> HeldReads {
        HeldReads { len: Cell::new(0), notes: [const { Cell::new(EMPTY) }; SLOTS] }
    }

    /// Notes a read lock just taken; a lock beyond [`SLOTS`] goes unnoted.
    #[inline(always)]
    pub(crate) fn push(&self, note: ReadNote) {
        let len = self.len.get();
        if let Some(slot) = self.notes.get(len) {
            slot.set(note);
            self.len.set(len + 1);
        }
    }

    /// Removes one note of `note`'s lock (the newest: guards are mostly dropped in reverse order).
    /// Returns whether there was one.
    #[inline(always)]
    pub(crate) fn remove(&self, note: ReadNote) -> bool {
        let len = self.len.get();
        if len > 0 && self.notes[len - 1].get() == note {
            self.len.set(len - 1);
            return true;
        }
        self.remove_below_top(note)
    }

    #[cold]
    fn remove_below_top(&self, note: ReadNote) -> bool {
        let len = self.len.get();
        let Some(i) = self.notes[..len].iter().rposition(|n| n.get() == note) else { return false };
        self.notes[i].set(self.notes[len - 1].get());
        self.len.set(len - 1);
        true
    }

    /// The notes held.
    #[cfg_attr(
        not(any(test, target_arch = "wasm32")),
        expect(dead_code, reason = "native threads unwind: only a dead wasm thread's notes are read")
    )]
    pub(crate) fn iter(&self) -> impl Iterator<Item = ReadNote> + '_ {
        self.notes[..self.len.get()].iter().map(Cell::get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(lock: usize) -> ReadNote {
        ReadNote { lock, id: 7 }
    }

    #[test]
    fn notes_come_and_go_in_any_order() {
        let h = HeldReads::new();
        for l in 1..=3 {
            h.push(note(l));
        }
        assert!(h.remove(note(1)));
        assert!(!h.remove(note(1)));
        assert!(!h.remove(ReadNote { lock: 2, id: 8 }), "another lock at the same address");
        assert_eq!(h.iter().collect::<alloc::vec::Vec<_>>(), [note(3), note(2)]);
    }

    #[test]
    fn locks_beyond_the_slots_go_unnoted() {
        let h = HeldReads::new();
        for l in 0..SLOTS + 2 {
            h.push(note(l + 1));
        }
        assert_eq!(h.iter().count(), SLOTS);
        assert!(!h.remove(note(SLOTS + 1)));
        assert!(h.remove(note(SLOTS)));
    }
}
