//! Checked access to the guest's shared linear memory.
//!
//! Guest threads write the memory concurrently, so every access here goes through atomics
//! (as `SharedMemory::data` requires); every address is bounds- and alignment-checked and
//! mapped to an ABI error code instead of a panic.

use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use wasmtime::SharedMemory;
use wthreads::abi;

/// A view of the guest memory for host calls.
pub struct GuestMemory<'a> {
    mem: &'a SharedMemory,
}

impl<'a> GuestMemory<'a> {
    /// Wraps the shared memory.
    pub fn new(mem: &'a SharedMemory) -> GuestMemory<'a> {
        GuestMemory { mem }
    }

    /// The in-bounds byte range `[ptr, ptr + len)`, or `ERR_OUT_OF_BOUNDS`.
    fn range(&self, ptr: i32, len: i32) -> Result<&'a [std::cell::UnsafeCell<u8>], i32> {
        let ptr = u32::try_from(ptr).map_err(|_| abi::ERR_OUT_OF_BOUNDS)? as usize;
        let len = u32::try_from(len).map_err(|_| abi::ERR_INVALID_ARGUMENT)? as usize;
        let data = self.mem.data();
        let end = ptr.checked_add(len).ok_or(abi::ERR_OUT_OF_BOUNDS)?;
        data.get(ptr..end).ok_or(abi::ERR_OUT_OF_BOUNDS)
    }

    /// Checks that `[ptr, ptr + len)` lies inside guest memory, without touching it (a hostile
    /// length costs nothing).
    ///
    /// # Errors
    /// `ERR_OUT_OF_BOUNDS` or `ERR_INVALID_ARGUMENT` (negative length).
    pub fn check(&self, ptr: i32, len: i32) -> Result<(), i32> {
        self.range(ptr, len).map(|_| ())
    }

    /// Copies `len` bytes at `ptr` out of guest memory.
    ///
    /// # Errors
    /// `ERR_OUT_OF_BOUNDS` or `ERR_INVALID_ARGUMENT` (negative length).
    pub fn read(&self, ptr: i32, len: i32) -> Result<Vec<u8>, i32> {
        let cells = self.range(ptr, len)?;
        Ok(cells
            .iter()
            .map(|c| {
                // SAFETY: `c` is an in-bounds byte of the shared memory, which stays mapped
                // for the memory's lifetime; reading it atomically cannot race.
                unsafe { AtomicU8::from_ptr(c.get()) }.load(Ordering::Relaxed)
            })
            .collect())
    }

    /// Copies `bytes` into guest memory at `ptr`.
    ///
    /// # Errors
    /// `ERR_OUT_OF_BOUNDS` if the range is not inside the memory.
    pub fn write(&self, ptr: i32, bytes: &[u8]) -> Result<(), i32> {
        let len = i32::try_from(bytes.len()).map_err(|_| abi::ERR_INVALID_ARGUMENT)?;
        let cells = self.range(ptr, len)?;
        for (c, b) in cells.iter().zip(bytes) {
            // SAFETY: `c` is an in-bounds byte of the shared memory, which stays mapped for the
            // memory's lifetime; writing it atomically cannot race.
            unsafe { AtomicU8::from_ptr(c.get()) }.store(*b, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The aligned 32-bit word at `ptr`.
    ///
    /// # Errors
    /// `ERR_MISALIGNED` or `ERR_OUT_OF_BOUNDS`.
    pub fn word(&self, ptr: i32) -> Result<&'a AtomicU32, i32> {
        if ptr % 4 != 0 {
            return Err(abi::ERR_MISALIGNED);
        }
        let cells = self.range(ptr, 4)?;
        // SAFETY: the four bytes are in bounds, 4-aligned (the memory base is page-aligned),
        // and only ever accessed atomically by the host.
        Ok(unsafe { AtomicU32::from_ptr(cells[0].get().cast::<u32>()) })
    }
}
