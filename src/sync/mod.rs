//! Synchronisation primitives with the API of `std::sync`.
//!
//! Every blocking primitive is futex-style: the uncontended path is a few atomics inside the
//! guest, and a thread that must wait sleeps through the runtime API (`wait32`/`wake`) after
//! at most a short bounded spin.
//!
//! - Locks: [`Mutex`], [`RwLock`] (writer-preferring), with std's poisoning types; the
//!   mapped guards, [`ReentrantLock`] and the [`nonpoison`] locks of std's unstable API.
//! - Waiting: [`Condvar`], [`Barrier`].
//! - One-time initialisation: [`Once`], [`OnceLock`], [`LazyLock`].
//! - Message passing: [`mpsc`], and std's unstable [`mpmc`] and [`oneshot`] on stable.
//!
//! A thread that ends in a panic does not unwind on a wthreads host; instead, a [`Mutex`] or
//! the write lock of an [`RwLock`] it held is taken over by the next thread that wants it and
//! reported as poisoned, and a [`Once`] it was running becomes poisoned.

mod barrier;
mod chan;
mod chan_iter;
mod condvar;
mod mapped;
pub mod mpmc;
pub mod mpsc;
mod mutex;
pub mod nonpoison;
mod once;
mod once_lock;
pub mod oneshot;
mod poison;
pub(crate) mod raw;
mod reentrant_lock;
mod rwlock;
mod shell;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::{Condvar, WaitTimeoutResult};
pub use mapped::{MappedMutexGuard, MappedRwLockReadGuard, MappedRwLockWriteGuard};
pub use mutex::{Mutex, MutexGuard};
pub use once::{Once, OnceState};
pub use once_lock::{LazyLock, OnceLock};
pub use poison::{LockResult, PoisonError, TryLockError, TryLockResult};
pub use reentrant_lock::{ReentrantLock, ReentrantLockGuard};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use alloc::sync::{Arc, Weak};
pub use core::sync::atomic;
