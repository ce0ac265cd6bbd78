//! Lock events (`docs/trace.md`) from the raw locks, on every acquire and release path.

use crate::abi;

/// The flags of a lock's events: whether it is taken shared, whether it is an `RwLock`'s, and
/// whether it is the runtime's own.
#[derive(Clone, Copy)]
pub(super) struct LockKind(i32);

impl LockKind {
    /// A lock the program created, taken exclusively.
    pub(super) const USER: LockKind = LockKind(0);
    /// A read lock of an `RwLock` the program created.
    pub(super) const SHARED: LockKind = LockKind(abi::LOCK_SHARED | abi::LOCK_RWLOCK);
    /// The write lock of an `RwLock` the program created.
    pub(super) const WRITE: LockKind = LockKind(abi::LOCK_RWLOCK);
    /// A lock of the runtime itself.
    pub(super) const INTERNAL: LockKind = LockKind(abi::LOCK_INTERNAL);
}

/// Reports `event` (an `abi::LOCK_*` event) of the lock whose word is at `addr`.
#[inline(always)]
pub(super) fn emit(event: i32, kind: LockKind, addr: *const u8) {
    crate::sys::event(event | kind.0, addr.addr(), 0, 0);
}
