//! The futex state machines under the `sync` types, apart from their API shells (as std's
//! `sys/sync/*/futex.rs`): each lock is one or two words and a few atomics on its fast path, and
//! only a thread that must wait reaches the runtime API, after a bounded spin.

pub(in crate::sync) mod condvar;
mod events;
pub(crate) mod mutex;
pub(in crate::sync) mod once;
pub(in crate::sync) mod rwlock;
mod spin_wait;
