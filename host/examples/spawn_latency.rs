//! Spawn+join latency of one guest thread, with a warm pool: on the native host (wasmtime,
//! one instance per OS thread) next to native Rust `std::thread` in the same run, then on the
//! web runtime in Node and in headless Chromium next to a raw `new Worker` start there
//! (`web/tools/bench-latency.mjs`). Prints a table; docs/benchmarks.md records one run.
//!
//! `cargo run --release -p wthreads-host --example spawn_latency [-- ITERATIONS]`

use std::time::Instant;
use wthreads_host::{Builder, Runtime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations: i32 = std::env::args().nth(1).map_or(Ok(2000), |s| s.parse())?;
    let wasm = std::fs::read(wthreads_guest_tests::PROGRAMS)?;
    let rt = Runtime::load(&wasm, Builder::new())?;
    let mut main = rt.main_thread()?;
    let guest_ns = main.call::<_, i32>("bench_spawn_join", (iterations,))?;

    // The same loop in native Rust, warm-up included.
    for i in 0..32u32 {
        std::thread::spawn(move || i).join().unwrap();
    }
    let start = Instant::now();
    for i in 0..iterations.unsigned_abs() {
        let got = std::thread::spawn(move || i.wrapping_mul(3)).join().unwrap();
        assert_eq!(got, i.wrapping_mul(3));
    }
    let native_ns = start.elapsed().as_nanos() / u128::from(iterations.unsigned_abs());

    println!("spawn+join of one thread, mean of {iterations} after 32 warm-up spawns");
    println!("| where | spawn+join | raw worker start |");
    println!("|---|---:|---:|");
    println!("| native Rust std::thread | {:.1} µs | |", native_ns as f64 / 1e3);
    println!(
        "| wthreads, native host (wasmtime 48) | {:.1} µs ({:.1}x native) | |",
        f64::from(guest_ns) / 1e3,
        f64::from(guest_ns) / native_ns as f64
    );
    let status = std::process::Command::new("node")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/bench-latency.mjs"))
        .arg(wthreads_guest_tests::PROGRAMS)
        .arg(iterations.to_string())
        .status()?;
    if !status.success() {
        return Err(format!("web/tools/bench-latency.mjs failed: {status}").into());
    }
    Ok(())
}
