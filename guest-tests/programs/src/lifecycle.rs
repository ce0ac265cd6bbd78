//! Stacks and TLS blocks are freed: memory stays bounded over many threads.

use alloc::vec::Vec;
use core::arch::wasm32::memory_size;
use core::sync::atomic::{AtomicU32, Ordering};
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;

fn pages() -> usize {
    memory_size(0)
}

/// Counts thread-local values created and dropped.
static CREATED: AtomicU32 = AtomicU32::new(0);
static DROPPED: AtomicU32 = AtomicU32::new(0);

/// A thread-local value with a heap allocation and a destructor.
struct Tracked(Vec<u32>);

impl Tracked {
    fn new() -> Tracked {
        CREATED.fetch_add(1, Ordering::Relaxed);
        Tracked(alloc::vec![7; 64])
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        assert_eq!(self.0.len(), 64, "a destructor ran twice or on a clobbered value");
        self.0.clear();
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

wthreads::thread_local! {
    static TRACKED: Tracked = Tracked::new();
}

fn touch_local(i: u32) -> u32 {
    TRACKED.with(|t| t.0[(i % 64) as usize]) + i
}

#[unsafe(no_mangle)]
pub extern "C" fn test_many_threads_memory_bounded() -> i32 {
    // 100,000 spawn/join cycles, each thread with a thread-local that has a destructor:
    // memory after them all is no larger than after the first 1,000, and every destructor ran
    // exactly once (a thread's destructors run before its join returns).
    for i in 0..1_000u32 {
        assert_eq!(thread::spawn(move || touch_local(i)).join().unwrap(), i + 7);
    }
    let after_1000 = pages();
    for i in 1_000..100_000u32 {
        assert_eq!(thread::spawn(move || touch_local(i)).join().unwrap(), i + 7);
    }
    let after = pages();
    wthreads::println!("pages after 1000 threads: {after_1000}, after 100000: {after}");
    assert!(after <= after_1000, "memory grew from {after_1000} to {after} pages");
    assert_eq!(CREATED.load(Ordering::Relaxed), 100_000);
    assert_eq!(DROPPED.load(Ordering::Relaxed), 100_000, "thread-local destructors lost or repeated");
    0
}

/// Spawns a detached thread with a 64 KiB stack that uses its thread-local and counts itself.
fn detached(count: &Arc<Mutex<u32>>) {
    let c = Arc::clone(count);
    let spawned = thread::Builder::new().stack_size(64 << 10).spawn(move || {
        touch_local(1);
        *c.lock().unwrap() += 1;
    });
    drop(spawned.unwrap());
}

/// Waits until the `n`th detached thread has run its thread-local destructor.
fn wait_dropped(n: u32) {
    while DROPPED.load(Ordering::Relaxed) < n {
        thread::yield_now();
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn test_detached_threads_reclaimed() -> i32 {
    // 10,000 detached threads with a thread-local destructor each. A detached thread's memory
    // is freed by a later spawn, or by `reclaim_detached_threads`, once the host reports its
    // end.
    let count = Arc::new(Mutex::new(0u32));
    let run = |from: u32, to: u32| {
        for _ in from..to {
            // Each one is reclaimed before the next starts, so the allocator sees the same
            // sequence every time and the memory's size is exact, not a matter of timing
            // (overlapping detached threads are tested in local.rs and below).
            detached(&count);
            while thread::reclaim_detached_threads() > 0 {
                thread::yield_now();
            }
        }
        wait_dropped(to);
    };
    run(0, 1_000);
    let after_1000 = pages();
    run(1_000, 10_000);
    let after = pages();
    wthreads::println!("pages after 1000 detached: {after_1000}, after 10000: {after}");
    assert!(after <= after_1000, "detached threads leaked: {after_1000} -> {after} pages");
    assert_eq!(*count.lock().unwrap(), 10_000);
    assert_eq!(CREATED.load(Ordering::Relaxed), 10_000);
    assert_eq!(DROPPED.load(Ordering::Relaxed), 10_000, "thread-local destructors lost or repeated");

    // Then up to 8 running at once, reclaimed whenever a spawn finds them ended: every
    // destructor still runs exactly once, and once they are all reclaimed the heap holds
    // exactly the bytes it held before them (an exact count, whatever the timing: this is the
    // leak check). The memory's size also depends on how overlapping stacks fell in the
    // allocator's layout and on the small blocks the allocator's per-thread caches keep for the
    // next thread of each of their 64 slots (the threads' ids walk through all of them): it
    // stays within 48 pages (two sets of eight 72 KiB stacks, plus 2 MiB of cached blocks).
    let overlapping = |from: u32, to: u32| {
        for _ in from..to {
            detached(&count);
            // At most 8 running at once, however slowly the host ends them (a destructor that
            // ran is not yet a thread that ended: counting those let a loaded host's lag pile
            // up stacks).
            while thread::reclaim_detached_threads() >= 8 {
                thread::yield_now();
            }
        }
        wait_dropped(to);
        while thread::reclaim_detached_threads() > 0 {
            thread::yield_now();
        }
        (pages(), crate::live_bytes())
    };
    let live_before = crate::live_bytes();
    let (warm, live_warm) = overlapping(10_000, 11_000);
    let (end, live_end) = overlapping(11_000, 15_000);
    wthreads::println!(
        "overlapping: pages after 1000: {warm}, after 5000: {end}; heap bytes before: {live_before}, after 1000: {live_warm}, after 5000: {live_end}"
    );
    assert_eq!(live_end, live_before, "overlapping detached threads leaked heap bytes");
    assert_eq!(live_warm, live_before, "overlapping detached threads leaked heap bytes");
    assert!(end <= warm + 48, "overlapping detached threads grew the memory: {warm} -> {end} pages");
    assert_eq!(*count.lock().unwrap(), 15_000);
    assert_eq!(CREATED.load(Ordering::Relaxed), 15_000);
    assert_eq!(DROPPED.load(Ordering::Relaxed), 15_000, "thread-local destructors lost or repeated");
    0
}
