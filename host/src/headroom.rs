//! Whether the process can still map what one more host thread needs.
//!
//! A new OS thread maps memory in places where a failure cannot be reported: Rust's runtime
//! maps the thread's alternate signal stack and its guard page before the thread's closure runs
//! (a failure there aborts the process), and wasmtime maps its own on the thread's first entry
//! into wasm (a failure there panics). On Linux the usual cause is the per-process limit of
//! memory mappings (`vm.max_map_count`, ~11,000 threads). So before a host thread is started,
//! the spawner checks that the mappings it will need are available, and reports a refusal as
//! `ERR_SPAWN_FAILED` instead.

/// Mappings a new host thread adds (its stack and guard, two signal stacks and their guards,
/// the instance's allocations), with a margin for what other threads map meanwhile.
const MAPPINGS_PER_THREAD: usize = 32;

/// Whether `MAPPINGS_PER_THREAD` more mappings can be made now. Costs one mapping split into
/// that many pieces and unmapped again (a few microseconds), paid only when a host thread is
/// started (not when a parked one is reused).
#[cfg(unix)]
pub fn can_start_thread() -> bool {
    // SAFETY: `sysconf` has no memory preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    let len = 2 * MAPPINGS_PER_THREAD * page;
    // SAFETY: an anonymous private mapping at an address the kernel picks touches no existing
    // memory.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return false;
    }
    // Changing the protection of every other page splits the mapping into one more piece each
    // time, which fails (ENOMEM) when the process is that close to its limit.
    let split = (0..MAPPINGS_PER_THREAD).all(|i| {
        // SAFETY: the page lies inside the mapping made above, which nothing else uses.
        unsafe { libc::mprotect(base.cast::<u8>().add(2 * i * page).cast(), page, libc::PROT_READ) == 0 }
    });
    // SAFETY: unmaps exactly the mapping made above.
    unsafe { libc::munmap(base, len) };
    split
}

/// Elsewhere, the OS's own refusal of a thread (`std::thread::Builder::spawn`) is all there is.
#[cfg(not(unix))]
pub fn can_start_thread() -> bool {
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_ordinary_process_has_room_for_a_thread() {
        assert!(super::can_start_thread());
    }
}
