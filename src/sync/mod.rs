//! Synchronisation primitives with the API of `std::sync`.

mod mutex;
mod poison;
pub(crate) mod raw_mutex;

pub use mutex::{Mutex, MutexGuard};
pub use poison::{LockResult, PoisonError, TryLockError, TryLockResult};

pub use alloc::sync::{Arc, Weak};
pub use core::sync::atomic;
