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

/// An emptied slot; no lock has id 0.
const EMPTY: ReadNote = ReadNote { lock: 0, id: 0 };

/// The slot of a read lock that went unnoted (all slots were taken).
pub(crate) const UNNOTED: u8 = u8::MAX;

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

    /// Notes a read lock just taken and returns the note's slot, for [`remove_at`]; a lock
    /// beyond [`SLOTS`] goes unnoted (the slot returned is then [`UNNOTED`]).
    ///
    /// [`remove_at`]: HeldReads::remove_at
    #[inline(always)]
    pub(crate) fn push(&self, note: ReadNote) -> u8 {
        let len = self.len.get();
        match self.notes.get(len) {
            Some(slot) => {
                slot.set(note);
                self.len.set(len + 1);
                // `len < SLOTS`, which fits in a u8.
                len as u8
            }
            None => UNNOTED,
        }
    }

    /// Removes the note `push` put in `slot`: the read lock was released by its guard, which
    /// kept the slot (cheaper than finding the note again).
    #[inline(always)]
    pub(crate) fn remove_at(&self, slot: u8) {
        let slot = usize::from(slot);
        let len = self.len.get();
        if slot + 1 == len {
            self.len.set(slot);
            if slot > 0 && self.notes[slot - 1].get() == EMPTY {
                self.drop_empty_top();
            }
        } else if slot < len {
            // Released out of order: emptied in place, dropped once it is on top.
            self.notes[slot].set(EMPTY);
        }
    }

    #[cold]
    fn drop_empty_top(&self) {
        let mut len = self.len.get();
        while len > 0 && self.notes[len - 1].get() == EMPTY {
            len -= 1;
        }
        self.len.set(len);
    }

    /// Removes one note of `note`'s lock, found by search (for the notes of a dead thread, whose
    /// guards are gone). Returns whether there was one.
    pub(crate) fn remove(&self, note: ReadNote) -> bool {
        let len = self.len.get();
        let Some(i) = self.notes[..len].iter().rposition(|n| n.get() == note) else { return false };
        self.notes[i].set(EMPTY);
        self.drop_empty_top();
        true
    }

    /// The notes held (slots emptied by an out-of-order release left out).
    pub(crate) fn iter(&self) -> impl Iterator<Item = ReadNote> + '_ {
        self.notes[..self.len.get()].iter().map(Cell::get).filter(|&n| n != EMPTY)
    }
}

/// Removes the note in `slot` of a read lock the calling thread releases (it noted the lock when
/// it took it, so it has a control block).
#[inline]
pub(crate) fn unnote_read(slot: u8) {
    if let Some(core) = super::current::current() {
        core.reads.remove_at(slot);
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
        assert_eq!(h.iter().collect::<alloc::vec::Vec<_>>(), [note(2), note(3)]);
    }

    #[test]
    fn slots_released_out_of_order_are_emptied_then_dropped() {
        let h = HeldReads::new();
        let (a, b, c) = (h.push(note(1)), h.push(note(2)), h.push(note(3)));
        h.remove_at(b);
        assert_eq!(h.iter().collect::<alloc::vec::Vec<_>>(), [note(1), note(3)]);
        h.remove_at(c);
        assert_eq!(h.len.get(), 1, "the emptied slot below the top went with it");
        h.remove_at(a);
        assert_eq!(h.iter().count(), 0);
    }

    #[test]
    fn locks_beyond_the_slots_go_unnoted() {
        let h = HeldReads::new();
        for l in 0..SLOTS {
            h.push(note(l + 1));
        }
        assert_eq!(h.push(note(99)), UNNOTED);
        h.remove_at(UNNOTED);
        assert_eq!(h.iter().count(), SLOTS);
        assert!(!h.remove(note(99)));
        assert!(h.remove(note(SLOTS)));
    }
}
