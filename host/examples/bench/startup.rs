//! Start-up (issue 18): how long `wthreads run` takes from its start to its exit, for the
//! hello-threads guest and the largest guest of the test suite: compiling as before the cache
//! (`--no-cache`: the full tier, every run), the first run with an empty cache (the quick tier),
//! and a run with the full code cached; then what the quick tier's code runs like against the
//! full tier's, in this process. Every ratio is taken within the run.

use super::median;
use std::process::Command;
use std::time::Instant;
use wasmtime::Linker;
use wthreads_host::{Builder, Cache, MainThread, Tier, WthreadsCtx};

/// Compiles `wasm` for `tier`; the milliseconds it took, and its main thread.
fn load(wasm: &[u8], tier: Tier) -> Result<(f64, MainThread<WthreadsCtx>), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let engine = tier.engine()?;
    let module = tier.compile(&engine, wasm)?;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let mut linker = Linker::new(&engine);
    wthreads_host::add_to_linker(&mut linker)?;
    let rt = Builder::new().stdout(std::io::sink()).build(&linker, &module, |ctx| ctx)?;
    Ok((ms, rt.main_thread()?))
}

/// Milliseconds from the start of `wthreads run GUEST --invoke EXPORT` to its exit.
fn process(guest: &str, export: &str, cache: &std::path::Path, fresh: bool) -> f64 {
    let exe = std::env::current_exe().expect("the example knows its path");
    let wthreads = exe.parent().and_then(|d| d.parent()).expect("target/release/examples").join("wthreads");
    let start = Instant::now();
    let status = Command::new(&wthreads)
        .args(["run", guest, "--invoke", export])
        .args(fresh.then_some("--no-cache"))
        .env("WTHREADS_CACHE_DIR", cache)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo build --release -p wthreads-host first)", wthreads.display()));
    assert!(status.success(), "wthreads run {guest} --invoke {export}: {status}");
    start.elapsed().as_secs_f64() * 1e3
}

/// Prints the start-up table and what the quick code runs like; returns the targets missed.
///
/// # Errors
/// If a module cannot be compiled or run.
pub fn table(runs: usize) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let cache = std::env::temp_dir().join(format!("wthreads-startup-{}", std::process::id()));
    let guests = [
        ("hello-threads", wthreads_guest_tests::HELLO, "main"),
        ("test programs (largest)", wthreads_guest_tests::PROGRAMS, "test_spawn_join_value"),
    ];
    println!("\nwthreads start-up: {runs} runs, medians (ms); `wthreads run` from its start to its exit");
    println!(
        "{:<26} {:>7} {:>11} {:>11} {:>7} {:>7} {:>11} {:>7} {:>12} {:>12}",
        "",
        "size",
        "--no-cache",
        "empty cache",
        "÷",
        "target",
        "cached full",
        "target",
        "compile full",
        "compile quick"
    );
    let mut missed = Vec::new();
    for (name, path, export) in guests {
        let wasm = std::fs::read(path)?;
        let (mut uncached, mut cold, mut cached, mut full, mut quick) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..runs {
            uncached.push(process(path, export, &cache, true));
            std::fs::remove_dir_all(&cache).ok();
            cold.push(process(path, export, &cache, false));
            Cache::at(&cache).upgrade(&wasm)?;
            cached.push(process(path, export, &cache, false));
            full.push(load(&wasm, Tier::Full)?.0);
            quick.push(load(&wasm, Tier::Quick)?.0);
        }
        let (uncached, cold, cached) = (median(&uncached), median(&cold), median(&cached));
        println!(
            "{name:<26} {:>4} KB {uncached:>11.1} {cold:>11.1} {:>6.1}x {:>7} {cached:>11.1} {:>7} {:>12.1} {:>12.1}",
            wasm.len() / 1000,
            uncached / cold,
            "≥ 3",
            "≤ 20",
            median(&full),
            median(&quick)
        );
        if cached > 20.0 {
            missed.push(format!("{name}: cached start {cached:.1} ms"));
        }
        if uncached / cold < 3.0 {
            missed.push(format!("{name}: first start only {:.1}x faster", uncached / cold));
        }
    }
    std::fs::remove_dir_all(&cache).ok();

    // What the quick code runs like, in a first run: the suite's workloads, quick ÷ full.
    println!("\nthe code each tier makes (µs per call of the export, best of {runs}; ÷ = quick ÷ full):");
    let loops: [(&str, &str, &str, &[i32]); 9] = [
        ("50,000,000 framed calls (stack check)", wthreads_guest_tests::PROGRAMS, "bench_framed_calls", &[50_000_000]),
        ("500 spawn + join", wthreads_guest_tests::BENCH, "bench_spawn_join", &[500]),
        ("5,000,000 lock + unlock", wthreads_guest_tests::BENCH, "bench_uncontended", &[5_000_000]),
        ("5,000,000 read lock + unlock", wthreads_guest_tests::BENCH, "bench_uncontended_read", &[5_000_000]),
        ("contended counter, 2 threads", wthreads_guest_tests::BENCH, "bench_contended", &[2, 1_000_000]),
        ("condvar ping-pong 20,000", wthreads_guest_tests::BENCH, "bench_ping_pong", &[20_000]),
        ("malloc+free 500,000, 1 thread", wthreads_guest_tests::BENCH, "bench_alloc", &[1, 500_000]),
        ("malloc+free 500,000, 2 threads", wthreads_guest_tests::BENCH, "bench_alloc", &[2, 500_000]),
        ("demo 400x300, 2 threads", wthreads_guest_tests::BENCH, "bench_mandelbrot", &[400, 300, 2]),
    ];
    for (name, path, export, args) in loops {
        let wasm = std::fs::read(path)?;
        let (_, mut b) = load(&wasm, Tier::Full)?;
        let (_, mut a) = load(&wasm, Tier::Quick)?;
        let args: Vec<wasmtime::Val> = args.iter().copied().map(wasmtime::Val::I32).collect();
        let us = |m: &mut MainThread<WthreadsCtx>| -> Result<i32, wthreads_host::Error> {
            Ok(m.call_dynamic(export, &args)?.first().and_then(wasmtime::Val::i32).unwrap_or(i32::MAX))
        };
        let (mut before, mut now) = (i32::MAX, i32::MAX);
        for _ in 0..runs {
            before = before.min(us(&mut b)?);
            now = now.min(us(&mut a)?);
        }
        println!("  {name:<40} full {before:>8} quick {now:>8} {:>6.2}", f64::from(now) / f64::from(before));
    }
    Ok(missed)
}
