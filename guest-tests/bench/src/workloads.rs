//! The benchmark workloads, one source for both sides: the wasm guest (`lib.rs`, where `rt` is
//! `wthreads`) and native Rust (`host/examples/bench.rs`, where `rt` is `std`). Each returns
//! the elapsed time of its measured part in nanoseconds.

use crate::rt::sync::atomic::{AtomicU32, Ordering};
use crate::rt::sync::{Arc, Barrier, Condvar, Mutex, RwLock};
use crate::rt::thread;
use crate::rt::time::Instant;
use alloc::vec::Vec;

fn elapsed_ns(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// `n` times: spawn a thread that does nothing, and join it.
pub fn spawn_join(n: u32) -> u64 {
    let start = Instant::now();
    for _ in 0..n {
        thread::spawn(|| ()).join().unwrap();
    }
    elapsed_ns(start)
}

/// `n` uncontended lock + unlock pairs (with an increment inside).
pub fn uncontended(n: u32) -> u64 {
    let m = Mutex::new(0u64);
    let start = Instant::now();
    for _ in 0..n {
        *core::hint::black_box(&m).lock().unwrap() += 1;
    }
    let t = elapsed_ns(start);
    assert_eq!(*m.lock().unwrap(), u64::from(n));
    t
}

/// `n` uncontended read lock + unlock pairs (with a read inside).
pub fn uncontended_read(n: u32) -> u64 {
    let l = RwLock::new(1u64);
    let mut sum = 0;
    let start = Instant::now();
    for _ in 0..n {
        sum += *core::hint::black_box(&l).read().unwrap();
    }
    let t = elapsed_ns(start);
    assert_eq!(sum, u64::from(n));
    t
}

/// `threads` threads increment one mutex-protected counter `n` times in all, starting together
/// (a barrier), so that they contend however quickly each one is spawned.
pub fn contended(threads: u32, n: u32) -> u64 {
    let m = Arc::new(Mutex::new(0u64));
    let ready = Arc::new(Barrier::new(threads as usize));
    let per = n / threads;
    let start = Instant::now();
    let hs: Vec<_> = (0..threads)
        .map(|_| {
            let (m, ready) = (Arc::clone(&m), Arc::clone(&ready));
            thread::spawn(move || {
                ready.wait();
                for _ in 0..per {
                    *m.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let t = elapsed_ns(start);
    assert_eq!(*m.lock().unwrap(), u64::from(per * threads));
    t
}

/// `n` round trips of a token between two threads through a Mutex and a Condvar.
pub fn ping_pong(n: u32) -> u64 {
    // The turn: even for the main thread, odd for the other.
    let state = Arc::new((Mutex::new(0u32), Condvar::new()));
    let other = Arc::clone(&state);
    let start = Instant::now();
    let h = thread::spawn(move || {
        let (m, c) = &*other;
        let mut turn = m.lock().unwrap();
        for _ in 0..n {
            while *turn % 2 == 0 {
                turn = c.wait(turn).unwrap();
            }
            *turn += 1;
            c.notify_one();
        }
    });
    {
        let (m, c) = &*state;
        let mut turn = m.lock().unwrap();
        for _ in 0..n {
            *turn += 1;
            c.notify_one();
            while *turn % 2 == 1 {
                turn = c.wait(turn).unwrap();
            }
        }
    }
    h.join().unwrap();
    elapsed_ns(start)
}

/// `threads` threads each do `n` allocations and frees of mixed sizes (16 B to 4 KiB), keeping
/// up to 64 blocks alive in a ring.
pub fn alloc_mixed(threads: u32, n: u32) -> u64 {
    let work = move |seed: u32| {
        let mut x = seed | 1;
        let mut ring: Vec<Vec<u8>> = (0..64).map(|_| Vec::new()).collect();
        for i in 0..n {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let size = 16usize << (x % 9);
            let mut v = Vec::with_capacity(size);
            v.push(i as u8);
            ring[(x as usize >> 8) % 64] = core::hint::black_box(v);
        }
    };
    let start = Instant::now();
    let hs: Vec<_> = (0..threads).map(|t| thread::spawn(move || work(t + 1))).collect();
    for h in hs {
        h.join().unwrap();
    }
    elapsed_ns(start)
}

/// The demo's pixel function, the same file as the demo guest's.
#[path = "../../mandelbrot/src/pixel.rs"]
mod pixel;
use pixel::pixel;

/// The demo's parallel workload: `threads` threads take rows of a `width`×`height` Mandelbrot
/// image from a shared counter.
pub fn mandelbrot(width: u32, height: u32, threads: u32) -> u64 {
    let next = Arc::new(AtomicU32::new(0));
    let sum = Arc::new(AtomicU32::new(0));
    let start = Instant::now();
    let hs: Vec<_> = (0..threads)
        .map(|_| {
            let (next, sum) = (Arc::clone(&next), Arc::clone(&sum));
            thread::spawn(move || {
                loop {
                    let y = next.fetch_add(1, Ordering::Relaxed);
                    if y >= height {
                        break;
                    }
                    let row: u32 = (0..width).map(|x| u32::from(pixel(x, y, width, height))).sum();
                    sum.fetch_add(row, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let t = elapsed_ns(start);
    core::hint::black_box(sum.load(Ordering::Relaxed));
    t
}
