//! Benchmark exports (not tests): measured by `host/examples/spawn_latency.rs` on the native
//! host and by `web/tools/bench-latency.mjs` in Node and Chromium.

use core::hint::black_box;
use wthreads::thread;
use wthreads::time::Instant;

/// Spawns and joins `iterations` threads one after another, after a warm-up of 32, and
/// returns the mean time of one spawn+join in nanoseconds (saturating at `i32::MAX`). Each
/// thread returns a value that the joiner checks, so neither side can be skipped.
#[unsafe(no_mangle)]
pub extern "C" fn bench_spawn_join(iterations: i32) -> i32 {
    let once = |i: u32| {
        let got = thread::spawn(move || i.wrapping_mul(3)).join().unwrap();
        assert_eq!(got, i.wrapping_mul(3));
    };
    for i in 0..32 {
        once(i);
    }
    let n = iterations.max(1).unsigned_abs();
    let start = Instant::now();
    for i in 0..n {
        once(i);
    }
    let mean = start.elapsed().as_nanos() / u128::from(n);
    i32::try_from(mean).unwrap_or(i32::MAX)
}

/// A small function with a frame on the shadow stack (its buffer's address escapes), so its
/// prologue and epilogue move the stack pointer: what threadify's stack check guards.
#[inline(never)]
fn framed(x: u32) -> u32 {
    let mut buf = [x; 16];
    let buf = black_box(&mut buf);
    buf[3].wrapping_add(buf[15])
}

/// Calls `framed` `iterations` times; returns the total time in microseconds. The cost of
/// threadify's stack check is the difference between modules patched with and without it
/// (`host/examples/stack_check_cost.rs`).
#[unsafe(no_mangle)]
pub extern "C" fn bench_framed_calls(iterations: i32) -> i32 {
    let start = Instant::now();
    let mut acc = 0u32;
    for i in 0..iterations.max(0).unsigned_abs() {
        acc = acc.wrapping_add(framed(i));
    }
    black_box(acc);
    i32::try_from(start.elapsed().as_micros()).unwrap_or(i32::MAX)
}
