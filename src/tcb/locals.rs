//! The storage of `thread_local!` values in a control block, and their destruction at the end
//! of the thread (the keys themselves are `thread::LocalKey`).

use alloc::vec::Vec;

/// One thread's value of one key.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    Uninit,
    /// A `Box<T>` turned into a raw pointer.
    Alive(*mut u8),
    Destroyed,
}

/// A value to drop at the end of the thread.
pub(crate) struct Dtor {
    pub index: usize,
    pub ptr: *mut u8,
    pub drop: unsafe fn(*mut u8),
}

/// The thread-local values of one thread; lives in its control block.
pub(crate) struct Slots {
    pub values: Vec<Slot>,
    pub dtors: Vec<Dtor>,
}

impl Slots {
    pub(crate) const fn new() -> Slots {
        Slots { values: Vec::new(), dtors: Vec::new() }
    }
}

/// Runs `f` on the calling thread's slots. `f` must not run user code.
pub(crate) fn with_slots<R>(f: impl FnOnce(&mut Slots) -> R) -> R {
    let tcb = super::current_tcb();
    // SAFETY: only the owning thread touches its slots, and `f` runs no user code, so this
    // is the only reference to them while it lives.
    f(unsafe { &mut *tcb.locals.get() })
}

/// Drops the calling thread's thread-local values, last initialised first, until none is left
/// (a destructor may initialise other keys), then frees the slot table.
pub(crate) fn run_destructors() {
    while let Some(dtor) = with_slots(|s| {
        let d = s.dtors.pop()?;
        s.values[d.index] = Slot::Destroyed;
        Some(d)
    }) {
        // SAFETY: the pointer was registered with its own type's drop function, and the slot
        // is marked destroyed first, so the value is dropped once and never reached again.
        unsafe { (dtor.drop)(dtor.ptr) };
    }
    // Every value is gone: free the table itself.
    let values = with_slots(|s| core::mem::replace(s, Slots::new()).values);
    drop(values);
}
