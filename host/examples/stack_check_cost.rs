//! The cost of threadify's stack-overflow check: the same guest module (`guest-tests/programs`)
//! patched with and without it (`Options::stack_check`), timing 50,000,000 calls of a small
//! function with a shadow-stack frame, and a deep recursion, on the native host.
//!
//! `cargo run --release -p wthreads-host --example stack_check_cost`

use wthreads_host::{Builder, Runtime};
use wthreads_threadify::{Options as PatchOptions, patch_with};

fn time(wasm: &[u8], export: &str, arg: i32) -> Result<f64, Box<dyn std::error::Error>> {
    let rt = Runtime::load(wasm, Builder::new())?;
    let mut main = rt.main_thread()?;
    // Best of 5 (µs) in one instance, after one warm-up call.
    main.call::<_, i32>(export, (arg / 10,))?;
    let mut best = i32::MAX;
    for _ in 0..5 {
        best = best.min(main.call::<_, i32>(export, (arg,))?);
    }
    Ok(f64::from(best))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let unpatched = std::fs::read(wthreads_guest_tests::PROGRAMS_UNPATCHED)?;
    let with = patch_with(&unpatched, &PatchOptions { stack_check: true, ..PatchOptions::default() })?;
    let without = patch_with(&unpatched, &PatchOptions { stack_check: false, ..PatchOptions::default() })?;
    let calls = 50_000_000;
    let checked = time(&with, "bench_framed_calls", calls)?;
    let unchecked = time(&without, "bench_framed_calls", calls)?;
    println!("threadify stack check, {calls} calls of a function with a 64-byte shadow-stack frame (best of 5):");
    println!("| patch | total | per call |");
    println!("|---|---:|---:|");
    println!("| without the check | {:.1} ms | {:.2} ns |", unchecked / 1e3, unchecked * 1e3 / f64::from(calls));
    println!(
        "| with the check | {:.1} ms | {:.2} ns ({:+.1}%) |",
        checked / 1e3,
        checked * 1e3 / f64::from(calls),
        (checked / unchecked - 1.0) * 100.0
    );
    Ok(())
}
