//! Guest programs (stable, `#![no_std]`): each `test_*` export is one program, run by the
//! host tests with `wthreads run --invoke test_NAME`. A program returns 0 on success; a failed
//! assertion panics, which ends the program with a trap (exit status 101).
//!
//! Natively (the host target) the same programs build over wthreads' host-target runtime, and
//! [`NATIVE_PROGRAMS`] lists those that apply there for the runner `src/bin/native.rs`; the
//! others test what only wasm has (the host's imports, linear memory, shadow stacks, traps) and
//! are compiled for wasm32 only.
#![no_std]

extern crate alloc;

#[cfg(target_arch = "wasm32")]
use core::alloc::{GlobalAlloc, Layout};
#[cfg(target_arch = "wasm32")]
use core::sync::atomic::{AtomicUsize, Ordering};

/// wthreads' allocator, counting the bytes in use, so leak tests can compare exact figures
/// (the memory's size in pages also depends on how the allocator's layout turned out).
#[cfg(target_arch = "wasm32")]
struct Counting(wthreads::Allocator);

/// Bytes allocated and not yet freed.
#[cfg(target_arch = "wasm32")]
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to wthreads' allocator with the caller's arguments.
#[cfg(target_arch = "wasm32")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is forwarded.
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is forwarded.
        unsafe { self.0.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is forwarded.
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static GLOBAL: Counting = Counting(wthreads::Allocator::new());

/// Bytes currently allocated on the heap.
#[cfg(target_arch = "wasm32")]
pub(crate) fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

mod barrier;
mod basics;
mod bench;
mod calls;
mod condvar;
#[cfg(target_arch = "wasm32")]
mod deadlocks;
mod events;
#[cfg(target_arch = "wasm32")]
mod hostile;
#[cfg(target_arch = "wasm32")]
mod lifecycle;
mod local;
mod lock_order;
mod mpsc;
mod once;
#[cfg(target_arch = "wasm32")]
mod oom;
mod ordered;
mod panics;
mod parity;
mod park;
mod poison;
#[cfg(target_arch = "wasm32")]
mod races;
mod rwlock;
mod scope;
#[cfg(target_arch = "wasm32")]
mod stacks;
#[cfg(target_arch = "wasm32")]
mod stress;
mod unstable;

/// The rounds of a program's loop: `n`, and under Miri (which interprets every step and checks
/// each for data races) a hundredth of it, at least 2, so that the program keeps its shape.
pub(crate) const fn rounds(n: u32) -> u32 {
    if cfg!(miri) { if n / 100 < 2 { 2 } else { n / 100 } } else { n }
}

/// A program: its export name and the function.
#[cfg(not(target_arch = "wasm32"))]
pub type Program = (&'static str, extern "C" fn() -> i32);

/// The programs that also run natively: every `test_*` export but those compiled for wasm32
/// only (`guest-tests/tests/native_programs.rs` holds this list to the module's exports).
#[cfg(not(target_arch = "wasm32"))]
pub const NATIVE_PROGRAMS: &[Program] = &[
    ("test_barrier_rounds", barrier::test_barrier_rounds),
    ("test_calls_in_one_run", calls::test_calls_in_one_run),
    ("test_spawn_join_value", basics::test_spawn_join_value),
    ("test_mutex_counter", basics::test_mutex_counter),
    ("test_nested_spawn", basics::test_nested_spawn),
    ("test_builder_and_current", basics::test_builder_and_current),
    ("test_sleep_and_is_finished", basics::test_sleep_and_is_finished),
    ("test_condvar_producer_consumer", condvar::test_condvar_producer_consumer),
    ("test_lock_events", events::test_lock_events),
    ("test_lock_order_inversion", lock_order::test_lock_order_inversion),
    ("test_lock_order_rwlock_inversion", lock_order::test_lock_order_rwlock_inversion),
    ("test_lock_order_one_thread", lock_order::test_lock_order_one_thread),
    ("test_lock_order_gated", lock_order::test_lock_order_gated),
    ("test_ordered_atomic_publication", ordered::test_ordered_atomic_publication),
    ("test_ordered_condvar_handoff", ordered::test_ordered_condvar_handoff),
    ("test_ordered_boxed_buffer_channel", ordered::test_ordered_boxed_buffer_channel),
    ("test_ordered_barrier_phases", ordered::test_ordered_barrier_phases),
    ("test_ordered_join_then_read", ordered::test_ordered_join_then_read),
    ("test_ordered_scoped_halves", ordered::test_ordered_scoped_halves),
    ("test_ordered_once_lock", ordered::test_ordered_once_lock),
    ("test_ordered_thread_locals", ordered::test_ordered_thread_locals),
    ("test_ordered_reuse", ordered::test_ordered_reuse),
    ("test_condvar_notify_all", condvar::test_condvar_notify_all),
    ("test_condvar_timeouts", condvar::test_condvar_timeouts),
    ("test_condvar_spurious_wakeups", condvar::test_condvar_spurious_wakeups),
    ("test_thread_local_per_thread", local::test_thread_local_per_thread),
    ("test_thread_local_destructors", local::test_thread_local_destructors),
    ("test_thread_local_access_during_destruction", local::test_thread_local_access_during_destruction),
    ("test_channel_many_producers", mpsc::test_channel_many_producers),
    ("test_channel_disconnect_and_timeouts", mpsc::test_channel_disconnect_and_timeouts),
    ("test_sync_channel_bounded", mpsc::test_sync_channel_bounded),
    ("test_rendezvous_channel", mpsc::test_rendezvous_channel),
    ("test_once_runs_once", once::test_once_runs_once),
    ("test_once_lock", once::test_once_lock),
    ("test_lazy_lock", once::test_lazy_lock),
    ("test_panic_in_thread", panics::test_panic_in_thread),
    ("test_lazy_lock_poisoned_message", parity::test_lazy_lock_poisoned_message),
    ("test_thread_name_with_nul", parity::test_thread_name_with_nul),
    ("test_poison_seen_after_holder_died", parity::test_poison_seen_after_holder_died),
    ("test_rwlock_dead_reader_released", parity::test_rwlock_dead_reader_released),
    ("test_rwlock_downgrade", parity::test_rwlock_downgrade),
    ("test_lazy_lock_get_and_force_mut", parity::test_lazy_lock_get_and_force_mut),
    ("test_panic_any", parity::test_panic_any),
    ("test_park_unpark", park::test_park_unpark),
    ("test_mutex_poisoned_by_panic", poison::test_mutex_poisoned_by_panic),
    ("test_rwlock_poisoned_by_panic", poison::test_rwlock_poisoned_by_panic),
    ("test_once_poisoned_by_panic", poison::test_once_poisoned_by_panic),
    ("test_rwlock_readers_share", rwlock::test_rwlock_readers_share),
    ("test_rwlock_writers_exclusive", rwlock::test_rwlock_writers_exclusive),
    ("test_rwlock_writer_preference", rwlock::test_rwlock_writer_preference),
    ("test_scope_borrows", scope::test_scope_borrows),
    ("test_scope_panics", scope::test_scope_panics),
    ("test_mpmc_work_queue", unstable::test_mpmc_work_queue),
    ("test_oneshot", unstable::test_oneshot),
    ("test_send_timeout", unstable::test_send_timeout),
    ("test_sleep_until", unstable::test_sleep_until),
    ("test_lock_value_accessors", unstable::test_lock_value_accessors),
    ("test_once_lock_get_or_try_init", unstable::test_once_lock_get_or_try_init),
    ("test_mapped_guards", unstable::test_mapped_guards),
    ("test_nonpoison_locks", unstable::test_nonpoison_locks),
    ("test_reentrant_lock", unstable::test_reentrant_lock),
];
