//! Programs whose traces the host tests check (`wthreads trace`, docs/trace.md): each does a
//! known sequence of synchronisation and prints where its objects are, so that a test can find
//! their events.

use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use wthreads::sync::{Mutex, RwLock};
use wthreads::thread;

static LOCK: Mutex<u32> = Mutex::new(0);
static TABLE: RwLock<u32> = RwLock::new(0);

/// Takes a mutex (and fails a `try_lock` while holding it), a read lock (and fails a
/// `try_write` meanwhile), a write lock, the mutex again while another thread holds it (so the
/// acquire waits), and allocates (the allocator's lock is the runtime's own); prints where the
/// locks are, for the host test to match.
#[unsafe(no_mangle)]
pub extern "C" fn test_lock_events() -> i32 {
    {
        let mut guard = LOCK.lock().unwrap();
        *guard += 1;
        assert!(LOCK.try_lock().is_err());
    }
    {
        let reader = TABLE.read().unwrap();
        assert!(TABLE.try_write().is_err());
        drop(reader);
    }
    *TABLE.write().unwrap() += 1;
    static HELD: AtomicBool = AtomicBool::new(false);
    let holder = thread::spawn(|| {
        let guard = LOCK.lock().unwrap();
        HELD.store(true, Ordering::Release);
        thread::sleep(Duration::from_millis(50));
        drop(guard);
    });
    while !HELD.load(Ordering::Acquire) {
        thread::yield_now();
    }
    *LOCK.lock().unwrap() += 1;
    holder.join().unwrap();
    // Blocks larger than the per-thread caches' classes come from dlmalloc under its lock.
    let big = alloc::vec![0u8; 64 * 1024];
    core::hint::black_box(&big);
    let at = |start: usize, size: usize| (start, start + size);
    let (start, end) = at(&raw const LOCK as usize, size_of_val(&LOCK));
    wthreads::println!("mutex at {start:#x}..{end:#x}");
    let (start, end) = at(&raw const TABLE as usize, size_of_val(&TABLE));
    wthreads::println!("rwlock at {start:#x}..{end:#x}");
    0
}

/// A counter that two threads update without synchronisation (a data race on purpose).
#[cfg(target_arch = "wasm32")]
struct Racy(core::cell::UnsafeCell<u32>);

// SAFETY: it is not: the program races on it on purpose, for the trace to show; wasm's plain
// accesses of an aligned word cannot tear.
#[cfg(target_arch = "wasm32")]
unsafe impl Sync for Racy {}

/// Two threads each add 1 to a plain counter 1,000 times with no lock: a data race, which a
/// `--memory` trace shows as both threads' reads and writes of the counter's word (with no
/// synchronisation between them). Each first raises a plain flag of its own and waits until it
/// sees the other's (races too, on purpose), so that both count at the same time whatever the
/// scheduling: had one ended before the other began, the runtime's own synchronisation (its
/// allocator, its thread list) would order them, and a happens-before detector would rightly
/// see no race in that run. Prints where the counter is. wasm32 only: natively, Miri would
/// stop it.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn test_racy_counter() -> i32 {
    static COUNTER: Racy = Racy(core::cell::UnsafeCell::new(0));
    static READY: [Racy; 2] = [Racy(core::cell::UnsafeCell::new(0)), Racy(core::cell::UnsafeCell::new(0))];
    let bump = |me: usize| {
        move || {
            // SAFETY: valid, aligned words; the races are the point (see `Racy`).
            unsafe {
                READY[me].0.get().write_volatile(1);
                while READY[1 - me].0.get().read_volatile() == 0 {
                    core::hint::spin_loop();
                }
            }
            for _ in 0..1_000 {
                let p = COUNTER.0.get();
                // SAFETY: `p` is valid and aligned; the race is the point (see `Racy`).
                unsafe { p.write_volatile(p.read_volatile() + 1) };
            }
        }
    };
    let (a, b) = (thread::spawn(bump(0)), thread::spawn(bump(1)));
    a.join().unwrap();
    b.join().unwrap();
    wthreads::println!("counter at {:#x}", COUNTER.0.get() as usize);
    0
}
