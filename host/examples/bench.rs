//! The benchmark suite: the same Rust source (`guest-tests/bench/src/workloads.rs`) run as
//! native Rust on std threads and as a wasm guest on the wthreads native host, in one run,
//! alternating sides. Prints one table: medians over the runs, the ratio wasm ÷ native (of
//! time, so 1.0 is parity and lower is better), and the target. A warning follows
//! any figure whose runs spread widely.
//!
//! `cargo run --release -p wthreads-host --example bench [-- RUNS]` (default 7 runs).

extern crate alloc;

/// The runtime the workloads are written against: std here, wthreads in the guest.
mod rt {
    pub use std::{sync, thread, time};
}

#[path = "../../guest-tests/bench/src/workloads.rs"]
mod workloads;

use std::time::Instant;
use wthreads_host::{MainThread, Options, Runtime};

/// One measured figure: the time of one operation (or one run) on each side, per run.
struct Figure {
    name: String,
    /// How a time is shown: per operation in ns or µs, or as a throughput.
    show: Show,
    native: Vec<f64>,
    wasm: Vec<f64>,
    /// Largest acceptable wasm ÷ native time ratio.
    target: Option<f64>,
}

#[derive(Clone, Copy)]
enum Show {
    /// Nanoseconds per operation.
    Ns,
    /// Microseconds per operation.
    Us,
    /// Operations per second (the figure holds ns per operation).
    PerSec,
    /// Milliseconds per run.
    Ms,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

/// (max − min) ÷ median.
fn spread(v: &[f64]) -> f64 {
    let (min, max) = v.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    (max - min) / median(v)
}

fn show(ns: f64, how: Show) -> String {
    match how {
        Show::Ns => format!("{ns:.1} ns"),
        Show::Us => format!("{:.1} µs", ns / 1e3),
        Show::PerSec if ns > 1e3 => format!("{:.1} k/s", 1e6 / ns),
        Show::PerSec => format!("{:.2} M/s", 1e3 / ns),
        Show::Ms => format!("{:.1} ms", ns / 1e6),
    }
}

/// Calls a benchmark export; it returns microseconds.
fn call(guest: &mut MainThread, name: &str, args: &[i32]) -> f64 {
    let us = guest.call(name, args).unwrap_or_else(|e| panic!("{name}: {e}"));
    f64::from(us) * 1e3
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map_or(Ok(7), |a| a.parse())?;
    let wasm = std::fs::read(wthreads_guest_tests::BENCH)?;
    let rt = Runtime::load(&wasm, Options::default()).map_err(|e| e.to_string())?;
    let mut guest = rt.main_thread().map_err(|e| e.to_string())?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) as u32;

    let mut figures: Vec<Figure> = Vec::new();
    let mut add = |name: &str, show: Show, target: Option<f64>| {
        figures.push(Figure { name: name.into(), show, native: Vec::new(), wasm: Vec::new(), target });
        figures.len() - 1
    };
    let spawn = add("spawn + join", Show::Us, Some(1.0));
    let unc = add("uncontended lock + unlock", Show::Ns, Some(1.1));
    let c2 = add("contended counter, 2 threads", Show::PerSec, Some(1.3));
    let c4 = add("contended counter, 4 threads", Show::PerSec, Some(1.3));
    let pp = add("condvar ping-pong round trip", Show::PerSec, Some(1.25));
    let a1 = add("malloc+free mixed, 1 thread", Show::PerSec, Some(2.0));
    let a2 = add("malloc+free mixed, 2 threads (total)", Show::PerSec, None);
    let mut mandel = Vec::new();
    for t in 1..=cores.max(2) {
        mandel.push((t, add(&format!("demo workload 400x300, {t} thread(s)"), Show::Ms, None)));
    }

    const SPAWNS: u32 = 500;
    const PAIRS: u32 = 5_000_000;
    const INCREMENTS: u32 = 1_000_000;
    const TRIPS: u32 = 20_000;
    const ALLOCS: u32 = 500_000;
    for _ in 0..runs {
        let f = &mut figures;
        f[spawn].native.push(workloads::spawn_join(SPAWNS) as f64 / f64::from(SPAWNS));
        f[spawn].wasm.push(call(&mut guest, "bench_spawn_join", &[SPAWNS as i32]) / f64::from(SPAWNS));
        f[unc].native.push(workloads::uncontended(PAIRS) as f64 / f64::from(PAIRS));
        f[unc].wasm.push(call(&mut guest, "bench_uncontended", &[PAIRS as i32]) / f64::from(PAIRS));
        for (i, t) in [(c2, 2), (c4, 4)] {
            f[i].native.push(workloads::contended(t, INCREMENTS) as f64 / f64::from(INCREMENTS));
            f[i].wasm.push(call(&mut guest, "bench_contended", &[t as i32, INCREMENTS as i32]) / f64::from(INCREMENTS));
        }
        f[pp].native.push(workloads::ping_pong(TRIPS) as f64 / f64::from(TRIPS));
        f[pp].wasm.push(call(&mut guest, "bench_ping_pong", &[TRIPS as i32]) / f64::from(TRIPS));
        f[a1].native.push(workloads::alloc_mixed(1, ALLOCS) as f64 / f64::from(ALLOCS));
        f[a1].wasm.push(call(&mut guest, "bench_alloc", &[1, ALLOCS as i32]) / f64::from(ALLOCS));
        f[a2].native.push(workloads::alloc_mixed(2, ALLOCS) as f64 / f64::from(2 * ALLOCS));
        f[a2].wasm.push(call(&mut guest, "bench_alloc", &[2, ALLOCS as i32]) / f64::from(2 * ALLOCS));
        for &(t, i) in &mandel {
            f[i].native.push(workloads::mandelbrot(400, 300, t) as f64);
            f[i].wasm.push(call(&mut guest, "bench_mandelbrot", &[400, 300, t as i32]));
        }
    }

    println!("wthreads benchmarks: {runs} runs, medians; ratio = wasm time ÷ native time (lower is better)");
    println!("{:<40} {:>12} {:>12} {:>7} {:>8}", "", "native", "wasm", "ratio", "target");
    let mut warnings = Vec::new();
    let mut missed = Vec::new();
    for f in &figures {
        let (n, w) = (median(&f.native), median(&f.wasm));
        let ratio = w / n;
        let target = f.target.map_or(String::new(), |t| format!("≤ {t:.2}"));
        let mark = match f.target {
            Some(t) if ratio > t => {
                missed.push(format!("{} ({ratio:.2} > {t:.2})", f.name));
                " MISSED"
            }
            _ => "",
        };
        println!("{:<40} {:>12} {:>12} {:>7.2} {:>8}{mark}", f.name, show(n, f.show), show(w, f.show), ratio, target);
        for (side, v) in [("native", &f.native), ("wasm", &f.wasm)] {
            if spread(v) > 0.25 {
                warnings.push(format!("{} ({side}): runs spread over {:.0}% of the median", f.name, spread(v) * 100.0));
            }
        }
    }
    // Speedup curve of the demo workload.
    let base = |side: fn(&Figure) -> &Vec<f64>| median(side(&figures[mandel[0].1]));
    let (n1, w1) = (base(|f| &f.native), base(|f| &f.wasm));
    for &(t, i) in mandel.iter().skip(1) {
        let (ns, ws) = (n1 / median(&figures[i].native), w1 / median(&figures[i].wasm));
        let ok = if ws / ns >= 0.95 { "" } else { " MISSED" };
        if !ok.is_empty() {
            missed.push(format!("speedup at {t} threads ({:.2} of native's)", ws / ns));
        }
        println!(
            "{:<40} {:>12} {:>12} {:>7.2} {:>8}{ok}",
            format!("demo speedup at {t} threads"),
            format!("{ns:.2}x"),
            format!("{ws:.2}x"),
            ws / ns,
            "≥ 0.95"
        );
    }
    // The allocator: 2 threads no slower in total than 1.
    let (one, two) = (median(&figures[a1].wasm), median(&figures[a2].wasm));
    println!(
        "{:<40} {:>12} {:>12} {:>7.2} {:>8}",
        "wasm malloc: 2-thread total ÷ 1-thread time",
        "",
        "",
        two / one,
        "≤ 1.00"
    );
    if two > one {
        missed.push(format!("allocator: 2 threads slower in total than 1 ({:.2})", two / one));
    }

    // Module size of the release "hello threads" guest, and threadify's speed.
    let hello = std::fs::metadata(wthreads_guest_tests::HELLO)?.len();
    println!(
        "{:<40} {:>12} {:>12} {:>7} {:>8}",
        "hello-threads release module",
        "",
        format!("{:.1} KB", hello as f64 / 1e3),
        "",
        "≤ 30 KB"
    );
    if hello > 30_000 {
        missed.push(format!("hello module {hello} bytes"));
    }
    let mut largest = ("", 0u64);
    for path in [wthreads_guest_tests::PROGRAMS_UNPATCHED, wthreads_guest_tests::STD_PROGRAMS_UNPATCHED] {
        let len = std::fs::metadata(path)?.len();
        if len > largest.1 {
            largest = (path, len);
        }
    }
    let input = std::fs::read(largest.0)?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        wthreads_threadify::patch(&input)?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let mb = input.len() as f64 / 1e6;
    let per_mb = median(&times) / mb;
    println!(
        "{:<40} {:>12} {:>12} {:>7} {:>8}",
        format!("threadify, {mb:.2} MB module"),
        "",
        format!("{per_mb:.1} ms/MB"),
        "",
        "≤ 50"
    );
    if per_mb > 50.0 {
        missed.push(format!("threadify {per_mb:.1} ms/MB"));
    }
    println!("peer (Rust std on wasm32-wasip1-threads, wasmtime 46): not installed; see the README");
    for w in &warnings {
        println!("warning: {w}");
    }
    if missed.is_empty() {
        println!("every target held");
    } else {
        println!("targets missed: {}", missed.join("; "));
    }
    Ok(())
}
