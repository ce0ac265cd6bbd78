//! A thread-safe global allocator: dlmalloc behind the futex mutex.

use crate::sync::raw_mutex::RawMutex;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

/// dlmalloc guarded by a futex lock, usable as `#[global_allocator]` from many threads.
///
/// With the default `global-allocator` feature the crate installs one; a guest that wants its
/// own allocator disables the feature.
///
/// # Examples
/// ```no_run
/// // Installed by the default `global-allocator` feature; by hand:
/// #[global_allocator]
/// static GLOBAL: wthreads::Allocator = wthreads::Allocator::new();
/// ```
pub struct Allocator {
    lock: RawMutex,
    heap: UnsafeCell<dlmalloc::Dlmalloc>,
}

// SAFETY: `heap` is only touched while `lock` is held.
unsafe impl Sync for Allocator {}

impl Allocator {
    /// An allocator with an empty heap; memory is taken with `memory.grow` as needed.
    ///
    /// # Examples
    /// ```no_run
    /// static A: wthreads::Allocator = wthreads::Allocator::new();
    /// ```
    #[must_use]
    pub const fn new() -> Allocator {
        Allocator { lock: RawMutex::new(), heap: UnsafeCell::new(dlmalloc::Dlmalloc::new()) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut dlmalloc::Dlmalloc) -> R) -> R {
        self.lock.lock();
        // SAFETY: the lock gives this thread exclusive access to the heap.
        let r = f(unsafe { &mut *self.heap.get() });
        // SAFETY: locked above by this thread.
        unsafe { self.lock.unlock() };
        r
    }
}

impl Default for Allocator {
    fn default() -> Allocator {
        Allocator::new()
    }
}

// SAFETY: dlmalloc implements the GlobalAlloc contract; the lock serialises all calls.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds GlobalAlloc::alloc's contract, which dlmalloc shares.
        self.with(|h| unsafe { h.malloc(layout.size(), layout.align()) })
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        self.with(|h| unsafe { h.calloc(layout.size(), layout.align()) })
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated here with `layout` (GlobalAlloc contract).
        self.with(|h| unsafe { h.free(ptr, layout.size(), layout.align()) })
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated here with `layout` (GlobalAlloc contract).
        self.with(|h| unsafe { h.realloc(ptr, layout.size(), layout.align(), new_size) })
    }
}
