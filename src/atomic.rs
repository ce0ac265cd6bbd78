//! The atomics that the blocking primitives are built on.
//!
//! Normally these are `core`'s. Under `--cfg loom` they are loom's, so that loom sees (and
//! permutes) every atomic access of `Mutex`, `Condvar`, `RwLock`, `Once`, the parker and the
//! poison flag. Loom's atomics are created at run time, inside the model, so the constructors
//! of those types are `const fn` except under loom ([`const_unless_loom!`]). Statics of the
//! runtime itself (thread and id counters) stay on `core`'s atomics: loom objects must not
//! outlive one model execution.

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

#[cfg(loom)]
pub(crate) use core::sync::atomic::Ordering;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32};

/// Defines a function that is `const` except under `--cfg loom`, where it creates loom
/// atomics (which cannot be created at compile time).
macro_rules! const_unless_loom {
    ($(#[$meta:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$meta])* $vis const fn $($rest)*
        #[cfg(loom)]
        $(#[$meta])* $vis fn $($rest)*
    };
}
pub(crate) use const_unless_loom;
