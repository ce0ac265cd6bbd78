//! The corpus's data races (issue 16, docs/check.md): each program has one race of a kind
//! people write, which `wthreads check` must report with both accesses. Each prints where the
//! racing bytes are, for the tests to match the report. The racing accesses are in functions of
//! their own (never inlined), so that a report names them as a reader of the program would.
//!
//! Threads that race meet at a barrier first: had one run to its end before the other began,
//! the runtime's own synchronisation (its allocator, its thread list) would order them, and a
//! happens-before detector rightly reports no race in that run. Not `test_` programs (they race
//! on purpose; Miri would stop them natively); wasm only.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use wthreads::sync::{Barrier, RwLock};
use wthreads::thread;

/// Memory that threads access without synchronisation, on purpose.
struct Shared<T>(UnsafeCell<T>);

// SAFETY: it is not: these programs race on it on purpose, for `check` to report; wasm's plain
// accesses of aligned words cannot tear, so the programs' results stay defined at the wasm level.
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    const fn new(value: T) -> Shared<T> {
        Shared(UnsafeCell::new(value))
    }

    fn ptr(&self) -> *mut T {
        self.0.get()
    }
}

/// A pointer that may cross threads (the slice program's halves).
#[derive(Clone, Copy)]
struct SendPtr(*mut u32);

// SAFETY: it is only an address; the program that sends it races on purpose.
unsafe impl Send for SendPtr {}

/// Spawns a thread named `name` that runs `f`.
fn spawn_named(name: &str, f: impl FnOnce() + Send + 'static) -> thread::JoinHandle<()> {
    thread::Builder::new().name(name.into()).spawn(f).unwrap()
}

#[inline(never)]
fn publish(p: *mut u64, value: u64) {
    // SAFETY: `p` is a valid, aligned static; the race is the point (see `Shared`).
    unsafe { p.write_volatile(value) }
}

#[inline(never)]
fn read_published(p: *mut u64) -> u64 {
    // SAFETY: as in `publish`.
    unsafe { p.read_volatile() }
}

/// A thread writes a result and the main thread reads it after sleeping "long enough": a sleep
/// orders nothing.
#[unsafe(no_mangle)]
pub extern "C" fn race_publish_by_sleep() -> i32 {
    static RESULT: Shared<u64> = Shared::new(0);
    wthreads::println!("data at {:#x}", RESULT.ptr() as usize);
    let publisher = spawn_named("publisher", || publish(RESULT.ptr(), 42));
    thread::sleep(Duration::from_millis(100));
    let seen = read_published(RESULT.ptr());
    publisher.join().unwrap();
    i32::from(seen != 42)
}

#[inline(never)]
fn write_wide(p: *mut u64) {
    // SAFETY: `p` is a valid, aligned static; the race is the point (see `Shared`).
    unsafe { p.write_volatile(u64::MAX) }
}

#[inline(never)]
fn write_narrow(p: *mut u16) {
    // SAFETY: `p` is inside the static and aligned for `u16`; the race is the point.
    unsafe { p.write_volatile(7) }
}

/// One thread writes a whole 8-byte word, another 2 bytes inside it (its last two): the
/// accesses differ in address and size but overlap, and race.
#[unsafe(no_mangle)]
pub extern "C" fn race_wider_write_overlap() -> i32 {
    static WORD: Shared<u64> = Shared::new(0);
    static MET: Barrier = Barrier::new(2);
    wthreads::println!("data at {:#x}", WORD.ptr() as usize);
    let wide = spawn_named("wide", || {
        MET.wait();
        write_wide(WORD.ptr());
    });
    let narrow = spawn_named("narrow", || {
        MET.wait();
        // The word's last two bytes (little-endian: its high half-word).
        write_narrow(WORD.ptr().cast::<u16>().wrapping_add(3));
    });
    wide.join().unwrap();
    narrow.join().unwrap();
    0
}

#[inline(never)]
fn fill(p: SendPtr, range: core::ops::Range<usize>, value: u32) {
    for i in range {
        // SAFETY: `i` is within the vector `p` points into; the halves' overlap is the bug.
        unsafe { p.0.add(i).write_volatile(value) };
    }
}

/// A vector split "in halves" by hand with raw pointers, one index off: both threads write
/// element 32.
#[unsafe(no_mangle)]
pub extern "C" fn race_slice_split() -> i32 {
    let mut data = alloc::vec![0u32; 64];
    let p = SendPtr(data.as_mut_ptr());
    wthreads::println!("data at {:#x}", p.0.wrapping_add(32) as usize);
    let met = Barrier::new(2);
    thread::scope(|s| {
        let met = &met;
        let first = thread::Builder::new().name("first half".into());
        first
            .spawn_scoped(s, move || {
                met.wait();
                fill(p, 0..33, 1); // the bug: 0..32
            })
            .unwrap();
        let second = thread::Builder::new().name("second half".into());
        second
            .spawn_scoped(s, move || {
                met.wait();
                fill(p, 32..64, 2);
            })
            .unwrap();
    });
    i32::from(data.contains(&0))
}

#[inline(never)]
fn write_unlocked(p: *mut u32) {
    // SAFETY: `p` is a valid, aligned static; the race is the point (see `Shared`).
    unsafe { p.write_volatile(2) }
}

#[inline(never)]
fn read_locked(lock: &RwLock<()>, p: *mut u32) -> u32 {
    let _guard = lock.read().unwrap();
    // SAFETY: as in `write_unlocked`.
    unsafe { p.read_volatile() }
}

/// A value an `RwLock` guards: one thread reads it under the read lock, another writes it
/// without taking the lock at all.
#[unsafe(no_mangle)]
pub extern "C" fn race_outside_rwlock() -> i32 {
    static GUARD: RwLock<()> = RwLock::new(());
    static VALUE: Shared<u32> = Shared::new(1);
    static MET: Barrier = Barrier::new(2);
    wthreads::println!("data at {:#x}", VALUE.ptr() as usize);
    let reader = spawn_named("reader", || {
        MET.wait();
        core::hint::black_box(read_locked(&GUARD, VALUE.ptr()));
    });
    let writer = spawn_named("writer", || {
        MET.wait();
        write_unlocked(VALUE.ptr());
    });
    reader.join().unwrap();
    writer.join().unwrap();
    0
}

#[inline(never)]
fn write_result(p: *mut u32) {
    // SAFETY: `p` is a valid, aligned `u32` that outlives the call (a static, or a local its
    // thread keeps until the reader is done); the race is the point (see `Shared`).
    unsafe { p.write_volatile(42) }
}

#[inline(never)]
fn read_result(p: *mut u32) -> u32 {
    // SAFETY: as in `write_result`.
    unsafe { p.read_volatile() }
}

/// A detached thread (its handle dropped, never joined) writes a result that the main thread
/// reads after a while: nothing orders the write before the read.
#[unsafe(no_mangle)]
pub extern "C" fn race_detached_write() -> i32 {
    static RESULT: Shared<u32> = Shared::new(0);
    static MET: Barrier = Barrier::new(2);
    wthreads::println!("data at {:#x}", RESULT.ptr() as usize);
    drop(spawn_named("detached", || {
        MET.wait();
        write_result(RESULT.ptr());
    }));
    MET.wait();
    thread::sleep(Duration::from_millis(50));
    i32::from(read_result(RESULT.ptr()) != 42)
}

/// A thread publishes the address of a local of its own (atomically, which is fine), then
/// writes the local while the main thread reads it: the race is on the thread's stack.
#[unsafe(no_mangle)]
pub extern "C" fn race_on_a_threads_stack() -> i32 {
    static ADDRESS: AtomicUsize = AtomicUsize::new(0);
    static MET: Barrier = Barrier::new(2);
    static DONE: Barrier = Barrier::new(2);
    let owner = spawn_named("owner", || {
        let mut local = 0u32;
        ADDRESS.store(core::ptr::from_mut(&mut local) as usize, Ordering::Release);
        MET.wait();
        write_result(&raw mut local);
        // The local lives until the main thread has read it.
        DONE.wait();
        core::hint::black_box(&mut local);
    });
    MET.wait();
    let p = ADDRESS.load(Ordering::Acquire) as *mut u32;
    wthreads::println!("data at {:#x}", p as usize);
    core::hint::black_box(read_result(p));
    DONE.wait();
    owner.join().unwrap();
    0
}

/// A race reported while the program still runs: two threads race and end, then the main
/// thread sleeps for seconds before it ends. `check` reports the race during the sleep, before
/// the program prints `woke` (docs/check.md, "When a report comes").
#[unsafe(no_mangle)]
pub extern "C" fn race_reported_while_running() -> i32 {
    static VALUE: Shared<u64> = Shared::new(0);
    static MET: Barrier = Barrier::new(2);
    wthreads::println!("data at {:#x}", VALUE.ptr() as usize);
    let writer = spawn_named("writer", || {
        MET.wait();
        publish(VALUE.ptr(), 7);
    });
    let reader = spawn_named("reader", || {
        MET.wait();
        core::hint::black_box(read_published(VALUE.ptr()));
    });
    writer.join().unwrap();
    reader.join().unwrap();
    thread::sleep(Duration::from_secs(3));
    wthreads::println!("woke");
    0
}
