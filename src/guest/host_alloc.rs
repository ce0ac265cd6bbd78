//! The exports through which a host allocates in the guest's memory (docs/abi.md), to hand the
//! program input (bytes, a string) before a call and to free what the program handed back. They
//! use the program's global allocator, whichever it is.

use alloc::alloc::{Layout, alloc, dealloc};

/// Allocates `size` bytes aligned to `align` (a power of two) with the program's global
/// allocator. Returns the address, or 0 if `size` and `align` form no layout or the memory is
/// exhausted. A size of 0 returns `align`, an address that must not be read or written.
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_alloc(size: usize, align: usize) -> *mut u8 {
    match Layout::from_size_align(size, align) {
        Ok(layout) if size > 0 => {
            // SAFETY: the layout's size is not zero, as `GlobalAlloc::alloc` requires.
            unsafe { alloc(layout) }
        }
        Ok(_) => align as *mut u8,
        Err(_) => core::ptr::null_mut(),
    }
}

/// Frees a block that [`wthreads_alloc`] returned.
///
/// # Safety
/// `ptr` must come from `wthreads_alloc(size, align)` with these `size` and `align`, and not
/// have been freed yet; nothing may use the block afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wthreads_free(ptr: *mut u8, size: usize, align: usize) {
    if size == 0 || ptr.is_null() {
        return;
    }
    // SAFETY: the caller passes the size and alignment `wthreads_alloc` accepted for `ptr`, so
    // they form a layout, and `ptr` was allocated with it and is live.
    unsafe { dealloc(ptr, Layout::from_size_align_unchecked(size, align)) }
}
