//! A guest built with the `trace-locks` feature: every mutex operation reaches the host as a
//! lock event (`docs/abi.md`, `lock_event`).
#![no_std]

use wthreads::sync::Mutex;

static LOCK: Mutex<u32> = Mutex::new(0);

/// Locks and unlocks once, then prints the lock's address for the host test to match.
#[unsafe(no_mangle)]
pub extern "C" fn test_lock_events() -> i32 {
    *LOCK.lock().unwrap() += 1;
    wthreads::println!("lock at {:#x}", &raw const LOCK as usize);
    0
}
