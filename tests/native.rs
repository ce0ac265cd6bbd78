//! What only the host target shows of the guest library, as native code over its runtime API
//! backed by std threads and an emulated futex (`src/sys/native.rs`): unwinding through
//! `scope`, the reclaim count of detached threads, and the allocator from many threads. (The
//! primitives themselves are checked by the guest programs, which run natively and under Miri
//! too: `guest-tests/tests/native_programs.rs`, `scripts/miri.sh`.) These tests also run under
//! Miri.
#![cfg(not(any(target_arch = "wasm32", loom)))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;

/// `scope` does not return, even by unwinding, while a thread that borrows its environment runs
/// (before, it returned after ~230 ms with the thread still running).
#[test]
fn scope_joins_its_threads_when_its_closure_unwinds() {
    let done = std::sync::atomic::AtomicBool::new(false);
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(200));
                done.store(true, Ordering::Release);
            });
            // Unwinds at once: no panic hook runs (nor prints a slow backtrace).
            std::panic::resume_unwind(Box::new("the scope's closure unwinds"));
        })
    }));
    assert!(unwound.is_err());
    assert!(done.load(Ordering::Acquire), "scope returned while its thread still ran");
}

#[test]
fn detached_threads_are_reclaimed() {
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..8 {
        let d = Arc::clone(&done);
        drop(thread::spawn(move || {
            d.fetch_add(1, Ordering::Relaxed);
        }));
    }
    while thread::reclaim_detached_threads() > 0 {
        thread::yield_now();
    }
    assert_eq!(done.load(Ordering::Relaxed), 8);
}

/// The guest allocator (dlmalloc with per-thread caches) from four threads at once: blocks of
/// mixed sizes and alignments, some zeroed, some grown or shrunk with `realloc` across classes
/// and into dlmalloc's large sizes, each filled with its owner's pattern and checked before it
/// is freed; a block freed by another thread than the one that allocated it (through a shared
/// queue) goes into that thread's cache.
#[test]
#[cfg_attr(
    miri,
    ignore = "Miri reports dlmalloc's own bin handling (unlink_small_chunk writes through a pointer \
              that a `&mut Dlmalloc` retag invalidated) under both Stacked and Tree Borrows"
)]
fn allocator_caches_hand_out_each_block_once() {
    use std::alloc::{GlobalAlloc, Layout};
    static HEAP: wthreads::Allocator = wthreads::Allocator::new();
    struct Block(*mut u8, Layout, u8);
    // SAFETY: a block is owned by one thread at a time.
    unsafe impl Send for Block {}
    let check = |b: &Block| {
        // SAFETY: the block is live and `b.1.size()` long.
        let bytes = unsafe { std::slice::from_raw_parts(b.0, b.1.size()) };
        assert!(bytes.iter().all(|&x| x == b.2), "block {:p} ({:?}) was overwritten", b.0, b.1);
    };
    let fill = |b: &Block| {
        // SAFETY: the block is live, `b.1.size()` long, and owned by this thread.
        unsafe { std::ptr::write_bytes(b.0, b.2, b.1.size()) };
    };
    let shared = Arc::new(Mutex::new(Vec::<Block>::new()));
    let rounds = if cfg!(miri) { 60 } else { 20_000 };
    let handles: Vec<_> = (0..4u32)
        .map(|t| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let mut x = t * 7919 + 1;
                let mut next = || {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x
                };
                let mut mine: Vec<Block> = Vec::new();
                for i in 0..rounds {
                    let r = next();
                    let size = [1, 8, 16, 24, 100, 129, 300, 1000, 4096, 4097, 6000][r as usize % 11];
                    let align = [1, 4, 8, 16][(r >> 8) as usize % 4];
                    let layout = Layout::from_size_align(size, align).unwrap();
                    let tag = (t * 64 + i % 64) as u8;
                    let ptr = if r & 1 << 20 != 0 {
                        // SAFETY: a non-zero-sized layout.
                        let p = unsafe { HEAP.alloc_zeroed(layout) };
                        // SAFETY: `p` is a live block of `size` bytes.
                        assert!(unsafe { std::slice::from_raw_parts(p, size) }.iter().all(|&x| x == 0), "not zeroed");
                        p
                    } else {
                        // SAFETY: a non-zero-sized layout.
                        unsafe { HEAP.alloc(layout) }
                    };
                    assert!(!ptr.is_null() && (ptr as usize).is_multiple_of(align));
                    let b = Block(ptr, layout, tag);
                    fill(&b);
                    mine.push(b);
                    if mine.len() > 32 {
                        let mut b = mine.swap_remove(next() as usize % mine.len());
                        check(&b);
                        match next() % 3 {
                            0 => {
                                let new_size = [12, 200, 2000, 5000][next() as usize % 4];
                                // SAFETY: `b` is live with layout `b.1`; a non-zero new size.
                                let p = unsafe { HEAP.realloc(b.0, b.1, new_size) };
                                assert!(!p.is_null());
                                let kept = b.1.size().min(new_size);
                                // SAFETY: `p` is live and at least `kept` long.
                                let bytes = unsafe { std::slice::from_raw_parts(p, kept) };
                                assert!(bytes.iter().all(|&x| x == b.2), "realloc lost the contents");
                                b = Block(p, Layout::from_size_align(new_size, b.1.align()).unwrap(), b.2);
                                fill(&b);
                                mine.push(b);
                            }
                            1 => shared.lock().unwrap().push(b),
                            // SAFETY: allocated here with this layout; not used again.
                            _ => unsafe { HEAP.dealloc(b.0, b.1) },
                        }
                    }
                    if let Some(b) = shared.lock().unwrap().pop() {
                        check(&b);
                        // SAFETY: allocated from HEAP by some thread with this layout.
                        unsafe { HEAP.dealloc(b.0, b.1) };
                    }
                }
                for b in mine {
                    check(&b);
                    // SAFETY: allocated from HEAP with this layout; owned here and not used again.
                    unsafe { HEAP.dealloc(b.0, b.1) };
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for b in shared.lock().unwrap().drain(..) {
        check(&b);
        // SAFETY: allocated from HEAP by some thread with this layout; every thread has ended.
        unsafe { HEAP.dealloc(b.0, b.1) };
    }
}
