//! Guest programs (stable, `#![no_std]`): each `test_*` export is one program, run by the
//! host tests with `wthreads run --invoke test_NAME`. A program returns 0 on success; a failed
//! assertion panics, which ends the program with a trap (exit status 101).
#![no_std]

extern crate alloc;

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};

/// wthreads' allocator, counting the bytes in use, so leak tests can compare exact figures
/// (the memory's size in pages also depends on how the allocator's layout turned out).
struct Counting(wthreads::Allocator);

/// Bytes allocated and not yet freed.
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to wthreads' allocator with the caller's arguments.
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

#[global_allocator]
static GLOBAL: Counting = Counting(wthreads::Allocator::new());

/// Bytes currently allocated on the heap.
pub(crate) fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

mod barrier;
mod basics;
mod bench;
mod condvar;
mod hostile;
mod lifecycle;
mod local;
mod mpsc;
mod once;
mod oom;
mod panics;
mod parity;
mod park;
mod poison;
mod rwlock;
mod scope;
mod stacks;
mod stress;
mod unstable;
