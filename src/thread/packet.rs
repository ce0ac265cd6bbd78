//! The slot through which a thread hands its result to the joiner.

use core::cell::UnsafeCell;

/// Written once by the spawned thread, read once by the joiner after the thread ended.
pub(crate) struct Packet<T> {
    pub result: UnsafeCell<Option<T>>,
}

// SAFETY: the writer (the thread) and the reader (the joiner) never access `result` at the
// same time: the read happens after the host reports the thread's end, which orders it.
unsafe impl<T: Send> Sync for Packet<T> {}
