//! Benchmark exports (not tests): measured by `host/examples/spawn_latency.rs` on the native
//! host and by `web/tools/bench-latency.mjs` in Node and Chromium.

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
