//! rayon on a pool whose threads wthreads spawns (`ThreadPoolBuilder::spawn_handler`).

use rayon::prelude::*;
use wthreads::time::Instant;

/// Builds a rayon pool of `threads` wthreads threads.
fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .spawn_handler(|t| {
            let mut b = wthreads::thread::Builder::new();
            if let Some(name) = t.name() {
                b = b.name(name.to_owned());
            }
            if let Some(size) = t.stack_size() {
                b = b.stack_size(size);
            }
            b.spawn(move || t.run()).map(drop).map_err(|e| std::io::Error::other(e.to_string()))
        })
        .build()
        .expect("the pool starts")
}

/// Deterministic pseudo-random input (xorshift).
fn input(n: usize) -> Vec<u32> {
    let mut x = 0x2545_f491u32;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        })
        .collect()
}

fn weight(x: u32) -> u64 {
    u64::from(x % 1000) * u64::from(x.count_ones()) + u64::from(x >> 28)
}

/// Runs the sort and the map-reduce on `threads` pool threads; returns their time in µs.
fn run(threads: usize, data: &[u32], sorted: &[u32], sum: u64) -> u64 {
    let pool = pool(threads);
    let mut v = data.to_vec();
    let t = Instant::now();
    pool.install(|| v.par_sort_unstable());
    let total = pool.install(|| data.par_iter().map(|&x| weight(x)).sum::<u64>());
    let us = t.elapsed().as_micros() as u64;
    assert!(v == sorted, "parallel sort differs from the sequential one");
    assert_eq!(total, sum, "parallel map-reduce differs from the sequential one");
    us
}

const N: usize = 10_000_000;

/// `n` elements: a parallel sort and a parallel map-reduce on 2 pool threads, then on 4 (work
/// stealing across more threads than cores), equal the sequential results.
fn matches_sequential(n: usize) {
    let data = input(n);
    let mut sorted = data.clone();
    sorted.sort_unstable();
    let sum: u64 = data.iter().map(|&x| weight(x)).sum();
    run(2, &data, &sorted, sum);
    run(4, &data, &sorted, sum);
}

/// 10 million elements.
#[unsafe(no_mangle)]
pub extern "C" fn test_rayon_matches_sequential() -> i32 {
    matches_sequential(N);
    0
}

/// The same on 20,000 elements, for `wthreads check`, which records each of the billions of
/// accesses that 10 million take.
#[unsafe(no_mangle)]
pub extern "C" fn rayon_matches_sequential_small() -> i32 {
    matches_sequential(20_000);
    0
}

/// The rayon example: times the same work on 1..=max_threads pool threads and prints them.
#[unsafe(no_mangle)]
pub extern "C" fn rayon_speedup(max_threads: i32) -> i32 {
    let data = input(N);
    let mut sorted = data.clone();
    let t = Instant::now();
    sorted.sort_unstable();
    let sum: u64 = data.iter().map(|&x| weight(x)).sum();
    let sequential = t.elapsed().as_micros() as u64;
    wthreads::println!("sequential: {:.1} ms", sequential as f64 / 1000.0);
    let one = run(1, &data, &sorted, sum);
    for threads in 1..=max_threads.max(1) as usize {
        let us = if threads == 1 { one } else { run(threads, &data, &sorted, sum) };
        wthreads::println!(
            "rayon, {threads} thread(s): {:.1} ms, speedup {:.2}x over 1 thread, {:.2}x over sequential",
            us as f64 / 1000.0,
            one as f64 / us as f64,
            sequential as f64 / us as f64
        );
    }
    0
}
