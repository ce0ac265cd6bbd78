//! A thread-safe global allocator: dlmalloc behind the futex mutex, with per-thread caches of
//! small blocks so that threads allocating at once do not queue on that one lock.
//!
//! Small requests (up to [`MAX_CACHED`] bytes, alignment up to [`CLASS_ALIGN`]) are rounded up
//! to one of [`CLASSES`] size classes and always taken from dlmalloc with exactly that size, so
//! every block of a class is interchangeable. A freed small block goes into a bin of the freeing
//! thread's cache, and an allocation first looks there: without any atomic read-modify-write
//! and without the global lock. Bins are refilled from and drained to dlmalloc half a bin at a
//! time, under one acquisition of the global lock. At most [`BIN_BYTES`] per bin stay cached.
//!
//! The caches live in one zero-initialised static ([`CACHES`], so they cost the module no data
//! bytes), a slot per thread: a thread claims the slot of its owner value (sequential thread
//! ids map to distinct slots) and releases it when it ends; the blocks stay, tagged with the
//! allocator they belong to, for the next thread of that slot. A thread whose slot is held by
//! another live thread, or tagged with another allocator, uses dlmalloc directly.

use crate::sync::raw::mutex::RawMutex;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;
use core::sync::atomic::{AtomicU32, Ordering};

/// Largest request served from the caches.
const MAX_CACHED: usize = 4096;
/// Alignment of every cached block (dlmalloc's own on wasm32).
const CLASS_ALIGN: usize = 8;
/// Size classes: 16..=128 in steps of 16, then four per doubling up to 4096.
const CLASSES: usize = 28;
/// Caches, one per slot.
const SLOTS: usize = 64;
/// Bytes a bin may hold (at least 8 and at most 32 blocks).
const BIN_BYTES: usize = 32 << 10;

/// The class of a request of `size` bytes, if it is small enough to be cached.
fn class_of(size: usize) -> Option<usize> {
    if size <= 128 {
        return Some(size.saturating_sub(1) / 16);
    }
    if size > MAX_CACHED {
        return None;
    }
    // (128 << g, 256 << g] is split into four steps of 32 << g.
    let high = usize::BITS - 1 - (size - 1).leading_zeros(); // 7..=11
    let g = high - 7;
    let step = (size - 1) >> (high - 2); // 4..=7
    Some(8 + 4 * g as usize + step - 4)
}

/// The block size of class `class`.
fn class_size(class: usize) -> usize {
    if class < 8 {
        return (class + 1) * 16;
    }
    let (g, k) = ((class - 8) / 4, (class - 8) % 4);
    (128 << g) + (32 << g) * (k + 1)
}

/// How many blocks a bin of `class` may hold.
fn bin_capacity(class: usize) -> usize {
    (BIN_BYTES / class_size(class)).clamp(8, 32)
}

/// Free blocks of one class, linked through their first word.
#[derive(Clone, Copy)]
struct Bin {
    head: *mut u8,
    len: usize,
}

impl Bin {
    const EMPTY: Bin = Bin { head: ptr::null_mut(), len: 0 };

    /// # Safety
    /// `block` is a free block of this bin's class that nothing else refers to.
    unsafe fn push(&mut self, block: *mut u8) {
        // SAFETY: a block of any class has room and alignment for a pointer.
        unsafe { block.cast::<*mut u8>().write(self.head) };
        self.head = block;
        self.len += 1;
    }

    fn pop(&mut self) -> Option<*mut u8> {
        if self.head.is_null() {
            return None;
        }
        let block = self.head;
        // SAFETY: blocks in a bin are free and hold the link written by `push`.
        self.head = unsafe { block.cast::<*mut u8>().read() };
        self.len -= 1;
        Some(block)
    }
}

/// One thread's cache: the claiming thread, the allocator whose blocks the bins hold, and a
/// bin per class. Only the claiming thread touches the bins while the tag is its allocator's.
/// Cache-line aligned, so that threads of neighbouring slots do not share lines.
#[repr(align(64))]
struct Slot {
    /// Owner value of the thread that holds the slot; 0 when free.
    thread: AtomicU32,
    /// Id of the allocator the cached blocks belong to; 0 when none.
    allocator: AtomicU32,
    bins: UnsafeCell<[Bin; CLASSES]>,
}

impl Slot {
    const fn new() -> Slot {
        Slot { thread: AtomicU32::new(0), allocator: AtomicU32::new(0), bins: UnsafeCell::new([Bin::EMPTY; CLASSES]) }
    }
}

struct Caches([Slot; SLOTS]);

// SAFETY: a slot's bins are only touched by the thread that claimed it (`thread`), for the
// allocator named by `allocator`; see `Allocator::with_bins`.
unsafe impl Sync for Caches {}

/// The per-thread caches of every allocator (all zero: no bytes in the module's data).
static CACHES: Caches = Caches([const { Slot::new() }; SLOTS]);

/// Source of allocator ids (0 means "not assigned yet").
static NEXT_ALLOCATOR_ID: AtomicU32 = AtomicU32::new(1);

/// Releases the cache slot of the thread with owner value `owner` (its cached blocks stay for
/// the slot's next thread): at the end of the thread, and again when its control block is
/// freed, after it has ended for certain (it may have allocated again on its way out). A
/// thread that ends in a trap leaves its slot to be taken over once it is known dead.
pub(crate) fn release_thread_cache(owner: u32) {
    let slot = &CACHES.0[owner as usize % SLOTS];
    // Release: the bins as this thread left them go to the slot's next owner.
    slot.thread.compare_exchange(owner, 0, Ordering::Release, Ordering::Relaxed).ok();
}

/// dlmalloc guarded by a futex lock, usable as `#[global_allocator]` from many threads, with
/// per-thread caches of blocks up to 4 KiB (see the module documentation).
///
/// With the default `global-allocator` feature the crate installs one; a guest that wants its
/// own allocator disables the feature.
///
/// # Examples
/// ```
/// // Installed by the default `global-allocator` feature; by hand:
/// #[global_allocator]
/// static GLOBAL: wthreads::Allocator = wthreads::Allocator::new();
/// ```
pub struct Allocator {
    lock: RawMutex,
    heap: UnsafeCell<dlmalloc::Dlmalloc>,
    /// Tags this allocator's cached blocks; assigned on first use, 0 before.
    id: AtomicU32,
}

// SAFETY: `heap` is only touched while `lock` is held; the caches are shared as `Caches`
// explains.
unsafe impl Sync for Allocator {}

impl Allocator {
    /// An allocator with an empty heap; memory is taken with `memory.grow` as needed.
    ///
    /// # Examples
    /// ```
    /// static A: wthreads::Allocator = wthreads::Allocator::new();
    /// ```
    #[must_use]
    pub const fn new() -> Allocator {
        Allocator { lock: RawMutex::new(), heap: UnsafeCell::new(dlmalloc::Dlmalloc::new()), id: AtomicU32::new(0) }
    }

    /// This allocator's id, assigned on first use (ids are never reused).
    fn id(&self) -> u32 {
        // Relaxed: the id is only compared, and every thread agrees on it through the CAS.
        match self.id.load(Ordering::Relaxed) {
            0 => {
                let fresh = NEXT_ALLOCATOR_ID.fetch_add(1, Ordering::Relaxed);
                match self.id.compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => fresh,
                    Err(set) => set,
                }
            }
            id => id,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut dlmalloc::Dlmalloc) -> R) -> R {
        // A thread must not overflow its stack while it holds the lock: it would never let go.
        crate::runtime::stack::ensure_stack_headroom();
        self.lock.lock();
        // SAFETY: the lock gives this thread exclusive access to the heap.
        let r = f(unsafe { &mut *self.heap.get() });
        // SAFETY: locked above by this thread.
        unsafe { self.lock.unlock_internal() };
        r
    }

    /// Runs `f` on the calling thread's bins, or returns `None` when the thread has no control
    /// block yet, or its slot is held by another live thread or caches another allocator.
    #[inline]
    fn with_bins<R>(&self, f: impl FnOnce(&mut [Bin; CLASSES]) -> R) -> Option<R> {
        let owner = crate::runtime::current::current_owner_if_any()?;
        let slot = &CACHES.0[owner as usize % SLOTS];
        let id = self.id();
        // Relaxed: only this thread stores its own owner value here, so seeing it means the
        // slot is already ours; the claim below synchronises with the previous holder.
        if slot.thread.load(Ordering::Relaxed) != owner || slot.allocator.load(Ordering::Relaxed) != id {
            self.claim(slot, owner, id)?;
        }
        // SAFETY: this thread holds the slot, and its bins hold this allocator's blocks.
        Some(f(unsafe { &mut *slot.bins.get() }))
    }

    /// Takes `slot` for thread `owner` and allocator `id`, if it is free (or its holder ended
    /// in a trap) and holds no other allocator's blocks.
    #[cold]
    fn claim(&self, slot: &Slot, owner: u32, id: u32) -> Option<()> {
        let holder = slot.thread.load(Ordering::Relaxed);
        if holder != owner {
            let free = holder == 0 || crate::runtime::death::is_dead(holder);
            // Acquire: pairs with the previous holder's release, so its bins are visible.
            if !free || slot.thread.compare_exchange(holder, owner, Ordering::Acquire, Ordering::Relaxed).is_err() {
                return None;
            }
        }
        // The slot is ours now. Its bins can serve this allocator if they hold its blocks, or
        // nobody's (tag 0: bins are only filled after tagging, and emptied before untagging).
        // Acquire: pairs with the untagging in `Drop`, which empties the bins first.
        match slot.allocator.compare_exchange(0, id, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => Some(()),
            Err(tag) if tag == id => Some(()),
            Err(_) => None,
        }
    }

    /// A block of `class` from the thread's cache, refilled from dlmalloc when empty.
    fn alloc_small(&self, class: usize) -> *mut u8 {
        let size = class_size(class);
        let cached = self.with_bins(|bins| {
            let bin = &mut bins[class];
            if let Some(block) = bin.pop() {
                return block;
            }
            let batch = bin_capacity(class) / 2;
            self.with(|heap| {
                for _ in 1..batch {
                    // SAFETY: a valid size and alignment; the block is ours until freed.
                    let block = unsafe { heap.malloc(size, CLASS_ALIGN) };
                    if block.is_null() {
                        break;
                    }
                    // SAFETY: a fresh block of this class.
                    unsafe { bin.push(block) };
                }
                // SAFETY: a valid size and alignment; the block is ours until freed.
                unsafe { heap.malloc(size, CLASS_ALIGN) }
            })
        });
        // SAFETY: a valid size and alignment; the block is ours until freed.
        cached.unwrap_or_else(|| self.with(|heap| unsafe { heap.malloc(size, CLASS_ALIGN) }))
    }

    /// Returns a block of `class` to the thread's cache, draining half the bin when full.
    ///
    /// # Safety
    /// `block` came from `alloc_small(class)` and is not used any more.
    unsafe fn free_small(&self, block: *mut u8, class: usize) {
        let size = class_size(class);
        let cached = self.with_bins(|bins| {
            let bin = &mut bins[class];
            if bin.len >= bin_capacity(class) {
                self.with(|heap| {
                    for _ in 0..bin.len / 2 {
                        if let Some(old) = bin.pop() {
                            // SAFETY: every block in the bin came from this heap with this size.
                            unsafe { heap.free(old, size, CLASS_ALIGN) };
                        }
                    }
                });
            }
            // SAFETY: the caller gives up `block`, a block of this class.
            unsafe { bin.push(block) };
        });
        if cached.is_none() {
            // SAFETY: small blocks are always taken from the heap with exactly this size.
            self.with(|heap| unsafe { heap.free(block, size, CLASS_ALIGN) });
        }
    }
}

/// The class of `layout`, if its blocks are cached.
#[inline]
fn small(layout: Layout) -> Option<usize> {
    if layout.align() <= CLASS_ALIGN { class_of(layout.size()) } else { None }
}

impl Default for Allocator {
    fn default() -> Allocator {
        Allocator::new()
    }
}

impl Drop for Allocator {
    /// Forgets the blocks cached for this allocator (they die with its heap), so the slots
    /// serve other allocators. (A `static` allocator is never dropped.)
    fn drop(&mut self) {
        let id = *self.id.get_mut();
        if id == 0 {
            return;
        }
        for slot in &CACHES.0 {
            if slot.allocator.load(Ordering::Acquire) == id {
                // SAFETY: only users of this allocator touch bins tagged with its id, and
                // there are none left: we own it.
                unsafe { *slot.bins.get() = [Bin::EMPTY; CLASSES] };
                // Release: the emptied bins before the tag that lets others use them.
                slot.allocator.compare_exchange(id, 0, Ordering::Release, Ordering::Relaxed).ok();
            }
        }
    }
}

// SAFETY: dlmalloc implements the GlobalAlloc contract and the lock serialises all calls to
// it; a cached block is a block of at least the requested size and alignment that no one else
// holds (it was freed), handed out once.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if let Some(class) = small(layout) {
            return self.alloc_small(class);
        }
        // SAFETY: the caller upholds GlobalAlloc::alloc's contract, which dlmalloc shares.
        self.with(|h| unsafe { h.malloc(layout.size(), layout.align()) })
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if let Some(class) = small(layout) {
            let block = self.alloc_small(class);
            if !block.is_null() {
                // SAFETY: the block has at least `layout.size()` bytes.
                unsafe { ptr::write_bytes(block, 0, layout.size()) };
            }
            return block;
        }
        // SAFETY: the caller upholds GlobalAlloc::alloc_zeroed's contract, which dlmalloc shares.
        self.with(|h| unsafe { h.calloc(layout.size(), layout.align()) })
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(class) = small(layout) {
            // SAFETY: allocated by `alloc_small(class)`: the same layout gives the same class.
            return unsafe { self.free_small(ptr, class) };
        }
        // SAFETY: `ptr` was allocated here with `layout` (GlobalAlloc contract).
        self.with(|h| unsafe { h.free(ptr, layout.size(), layout.align()) })
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = small(layout);
        // SAFETY: the contract of `realloc` makes `new_size` with this alignment a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let new = small(new_layout);
        if old.is_none() && new.is_none() {
            // SAFETY: `ptr` was allocated here with `layout` (GlobalAlloc contract).
            return self.with(|h| unsafe { h.realloc(ptr, layout.size(), layout.align(), new_size) });
        }
        if old.is_some() && old == new {
            return ptr; // The block already has room for the new size.
        }
        // Between a class and another class, or dlmalloc: move.
        // SAFETY: `new_layout` is valid (see above) and non-zero-sized per the contract.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are live, distinct, and at least this long.
            unsafe { ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size)) };
            // SAFETY: `ptr` was allocated here with `layout` and is no longer used.
            unsafe { self.dealloc(ptr, layout) };
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_every_small_size() {
        let mut last = 0;
        for class in 0..CLASSES {
            assert!(class_size(class) > last, "classes grow");
            last = class_size(class);
        }
        assert_eq!(last, MAX_CACHED);
        for size in 0..=MAX_CACHED {
            let class = class_of(size).unwrap();
            assert!(class_size(class) >= size, "{size} fits class {class}");
            assert!(class == 0 || class_size(class - 1) < size.max(1), "{size}: smallest class");
        }
        assert_eq!(class_of(MAX_CACHED + 1), None);
    }
}
