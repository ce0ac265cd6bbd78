//! Stacks and TLS blocks are freed: memory stays bounded over many threads.

use core::arch::wasm32::memory_size;
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;

fn pages() -> usize {
    memory_size(0)
}

#[unsafe(no_mangle)]
pub extern "C" fn test_many_threads_memory_bounded() -> i32 {
    for i in 0..100u32 {
        assert_eq!(thread::spawn(move || i + 1).join().unwrap(), i + 1);
    }
    let after_100 = pages();
    for i in 0..10_000u32 {
        assert_eq!(thread::spawn(move || i ^ 0x55).join().unwrap(), i ^ 0x55);
    }
    let after_10000 = pages();
    wthreads::println!("pages after 100 threads: {after_100}, after 10100: {after_10000}");
    assert!(after_10000 <= after_100, "memory grew from {after_100} to {after_10000} pages");
    0
}

/// Spawns a detached thread with a 64 KiB stack that increments `count`.
fn detached(count: &Arc<Mutex<u32>>) {
    let c = Arc::clone(count);
    let spawned = thread::Builder::new().stack_size(64 << 10).spawn(move || *c.lock().unwrap() += 1);
    drop(spawned.unwrap());
}

#[unsafe(no_mangle)]
pub extern "C" fn test_detached_threads_reclaimed() -> i32 {
    // A detached thread's memory is freed by a later spawn once the host reports its end, so
    // how many are still allocated at a time depends on timing; 64 KiB stacks keep that
    // spread small against the 2,000 stacks (2,000 pages) a leak would cost.
    let count = Arc::new(Mutex::new(0u32));
    for _ in 0..50 {
        detached(&count);
    }
    while *count.lock().unwrap() < 50 {
        thread::yield_now();
    }
    let after_50 = pages();
    for _ in 0..2_000 {
        detached(&count);
        // Bound the number alive at once, so the limit on live threads is never the issue.
        while Arc::strong_count(&count) > 8 {
            thread::yield_now();
        }
    }
    while *count.lock().unwrap() < 2_050 {
        thread::yield_now();
    }
    let after = pages();
    wthreads::println!("pages after 50 detached: {after_50}, after 2050: {after}");
    assert!(after <= after_50 + 32, "detached threads leaked: {after_50} -> {after} pages");
    0
}
