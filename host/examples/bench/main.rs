//! The benchmark suite: the same Rust source (`guest-tests/bench/src/workloads.rs`) run as
//! native Rust on std threads and as a wasm guest on the wthreads native host, in one run,
//! alternating sides. Prints one table: medians over the runs, the ratio wasm ÷ native (of
//! time, so 1.0 is parity and lower is better), and the target. A warning follows
//! any figure whose runs spread widely.
//!
//! `cargo run --release -p wthreads-host --example bench [-- RUNS]` (default 7 runs).
//!
//! Two more columns measure tracing (docs/trace.md) in the same run: the wasm side traced
//! (`traced ÷ wasm`, the events recorded and written to /dev/null), and the wasm side with its
//! event calls removed (`wasm ÷ no events`: what the empty event calls of an untraced run
//! cost; 1.0 is nothing), and the wasm side traced with `--memory` (`--memory ÷ wasm`). The last
//! column is the deadlock watch's cost: the wasm side against the same module patched with its
//! waits without timeout inlined instead of watched (`wasm ÷ unwatched`; 1.0 is nothing).
//!
//! A contended counter is sampled 15 times per run on the native and wasm sides
//! (`CONTENDED_SAMPLES`: its times are bimodal), and a line after the table gives the share of
//! each side's samples in which one thread kept the lock (`regimes.rs`).
//!
//! A second table gives the cost of `wthreads check` (`check.rs`): time and peak memory,
//! `check ÷ run`, each workload in child processes of the benchmark. A third, start-up
//! (`startup.rs`): `wthreads run` processes with and without the compiled module cached.
//! `-- startup [RUNS]` prints only that one. A fourth (`counts.rs`, `-- counts` alone): the
//! instructions per lock operation of both sides, counted by Valgrind's callgrind.
//!
//! When wasmtime 46 is installed (`wasmtime` on `PATH`, or the path in `WTHREADS_PEER_WASMTIME`)
//! and the `wasm32-wasip1-threads` target is, the table has a peer column: the same workloads as
//! a Rust std program on `wasm32-wasip1-threads` (`guest-tests/bench-peer`), run by wasmtime's
//! wasi-threads, one process per figure, timed by the program itself like the other sides.

extern crate alloc;

/// The runtime the workloads are written against: std here, wthreads in the guest.
mod rt {
    pub use std::{sync, thread, time};
}

#[path = "../../../guest-tests/bench/src/workloads.rs"]
mod workloads;

mod check;
mod counts;
mod peer;
mod regimes;
mod startup;
mod tsan;

use peer::Peer;
use std::path::Path;
use std::time::Instant;
use wasmtime::Val;
use wthreads_host::trace::Recorder;
use wthreads_host::{Builder, MainThread, Runtime, WthreadsCtx};

/// One measured figure: the time of one operation (or one run) on each side, per run.
struct Figure {
    name: String,
    /// How a time is shown: per operation in ns or µs, or as a throughput.
    show: Show,
    native: Vec<f64>,
    wasm: Vec<f64>,
    /// The wasm side's samples taken beside the other wasm sides (the first of each run), to
    /// which their columns compare.
    beside: Vec<f64>,
    /// The wasi-threads peer's, when it runs.
    peer: Vec<f64>,
    /// The wasm side again, traced (`wthreads trace`, its events written to /dev/null).
    traced: Vec<f64>,
    /// The wasm side with the (empty) event calls removed: what the untraced events cost.
    bare: Vec<f64>,
    /// The wasm side traced with `--memory` (every access recorded, written to /dev/null).
    memory: Vec<f64>,
    /// The wasm side patched without the deadlock watch (its waits without timeout inlined).
    unwatched: Vec<f64>,
    /// Largest acceptable wasm ÷ native time ratio.
    target: Option<f64>,
}

/// The native side of a workload: its time in ns, in all.
type Native = Box<dyn Fn() -> u64>;

/// One workload of the main table.
struct Load {
    /// Its figure (an index into the figures).
    figure: usize,
    native: Native,
    /// The guest's export and its arguments.
    export: &'static str,
    args: Vec<i32>,
    /// Operations per call.
    per: u32,
    /// Samples per run of the native and wasm sides.
    samples: u32,
}

/// Samples per run of a contended counter. Its times are bimodal on both sides: either the lock
/// changes hands all the time, or one thread keeps it while the other sleeps, several times
/// faster. Which one a run gets is chance, so the median of a few runs picks either; the
/// median of many compares the sides as a user meets them (`regimes.rs` prints the shares).
const CONTENDED_SAMPLES: u32 = 15;

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
fn call(guest: &mut MainThread<WthreadsCtx>, name: &str, args: &[i32]) -> f64 {
    let args: Vec<Val> = args.iter().copied().map(Val::I32).collect();
    let us = guest.call_dynamic(name, &args).unwrap_or_else(|e| panic!("{name}: {e}"));
    f64::from(us.first().and_then(Val::i32).unwrap_or_else(|| panic!("{name} returns no i32"))) * 1e3
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(check::CHILD) {
        return check::child(&args[1..]);
    }
    if args.first().map(String::as_str) == Some(counts::CHILD) {
        return counts::child(&args[1..]);
    }
    match args.first().map(String::as_str) {
        Some("counts") => return verdict(&counts::table(Path::new(wthreads_guest_tests::BENCH), &|_| None)?),
        Some("startup") => return verdict(&startup::table(args.get(1).map_or(Ok(7), |a| a.parse())?)?),
        _ => {}
    }
    let runs: usize = args.first().map_or(Ok(7), |a| a.parse())?;
    let wasm = std::fs::read(wthreads_guest_tests::BENCH)?;
    let rt = Runtime::load(&wasm, Builder::new()).map_err(|e| e.to_string())?;
    let mut guest = rt.main_thread().map_err(|e| e.to_string())?;
    // The same module traced: the recording's cost without the disk's.
    let recorder = Recorder::create(Path::new("/dev/null"), false)?;
    let traced_rt =
        Runtime::load(&wasm, Builder::new().trace(std::sync::Arc::clone(&recorder))).map_err(|e| e.to_string())?;
    let mut traced = traced_rt.main_thread().map_err(|e| e.to_string())?;
    let memory_recorder = Recorder::create(Path::new("/dev/null"), true)?;
    let memory_rt = Runtime::load(&wasm, Builder::new().trace(std::sync::Arc::clone(&memory_recorder)))
        .map_err(|e| e.to_string())?;
    let mut memory = memory_rt.main_thread().map_err(|e| e.to_string())?;
    let bare_wasm = wthreads_threadify::trace::without_events(&wasm)?;
    let bare_rt = Runtime::load(&bare_wasm, Builder::new()).map_err(|e| e.to_string())?;
    let mut bare = bare_rt.main_thread().map_err(|e| e.to_string())?;
    let unwatched_options = wthreads_threadify::Options { watch_waits: false, ..Default::default() };
    let unwatched_wasm =
        wthreads_threadify::patch_with(&std::fs::read(wthreads_guest_tests::BENCH_UNPATCHED)?, &unwatched_options)?;
    let unwatched_rt = Runtime::load(&unwatched_wasm, Builder::new()).map_err(|e| e.to_string())?;
    let mut unwatched = unwatched_rt.main_thread().map_err(|e| e.to_string())?;
    let peer = Peer::find();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) as u32;

    let mut figures: Vec<Figure> = Vec::new();
    let mut add = |name: &str, show: Show, target: Option<f64>| {
        figures.push(Figure {
            name: name.into(),
            show,
            native: Vec::new(),
            wasm: Vec::new(),
            beside: Vec::new(),
            peer: Vec::new(),
            traced: Vec::new(),
            bare: Vec::new(),
            memory: Vec::new(),
            unwatched: Vec::new(),
            target,
        });
        figures.len() - 1
    };
    let spawn = add("spawn + join", Show::Us, Some(1.0));
    let unc = add("uncontended lock + unlock", Show::Ns, Some(1.1));
    let unr = add("uncontended read lock + unlock", Show::Ns, Some(1.1));
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
    // Every wasm side runs each workload, in this order, right after the native side.
    type Side = fn(&mut Figure) -> &mut Vec<f64>;
    let mut sides: [(&mut MainThread<WthreadsCtx>, Side); 5] = [
        (&mut guest, |f| &mut f.wasm),
        (&mut traced, |f| &mut f.traced),
        (&mut bare, |f| &mut f.bare),
        (&mut memory, |f| &mut f.memory),
        (&mut unwatched, |f| &mut f.unwatched),
    ];
    // The guest side alone, or every wasm side in turn.
    let mut wasm = |f: &mut Figure, load: &Load, every_side: bool| {
        let n = if every_side { sides.len() } else { 1 };
        for (guest, side) in sides.iter_mut().take(n) {
            side(f).push(call(guest, load.export, &load.args) / f64::from(load.per));
        }
        if every_side {
            f.beside.push(f.wasm[f.wasm.len() - 1]);
        }
    };
    let load = |figure, native, export, args, per| Load { figure, native, export, args, per, samples: 1 };
    let mut loads: Vec<Load> = vec![
        load(spawn, Box::new(|| workloads::spawn_join(SPAWNS)), "bench_spawn_join", vec![SPAWNS as i32], SPAWNS),
        load(unc, Box::new(|| workloads::uncontended(PAIRS)), "bench_uncontended", vec![PAIRS as i32], PAIRS),
        load(unr, Box::new(|| workloads::uncontended_read(PAIRS)), "bench_uncontended_read", vec![PAIRS as i32], PAIRS),
    ];
    for (i, t) in [(c2, 2), (c4, 4)] {
        let native: Native = Box::new(move || workloads::contended(t, INCREMENTS));
        let args = vec![t as i32, INCREMENTS as i32];
        loads.push(Load { samples: CONTENDED_SAMPLES, ..load(i, native, "bench_contended", args, INCREMENTS) });
    }
    loads.push(load(pp, Box::new(|| workloads::ping_pong(TRIPS)), "bench_ping_pong", vec![TRIPS as i32], TRIPS));
    loads.push(load(a1, Box::new(|| workloads::alloc_mixed(1, ALLOCS)), "bench_alloc", vec![1, ALLOCS as i32], ALLOCS));
    loads.push(load(
        a2,
        Box::new(|| workloads::alloc_mixed(2, ALLOCS)),
        "bench_alloc",
        vec![2, ALLOCS as i32],
        2 * ALLOCS,
    ));
    for &(t, i) in &mandel {
        let native: Native = Box::new(move || workloads::mandelbrot(400, 300, t));
        loads.push(load(i, native, "bench_mandelbrot", vec![400, 300, t as i32], 1));
    }
    for run in 0..runs {
        let f = &mut figures;
        for load in &loads {
            let figure = &mut f[load.figure];
            let native = || (load.native)() as f64 / f64::from(load.per);
            // The sides take turns at going first: a side that follows the other shares the end
            // of the other's threads (their stacks unmapped, their host threads parked). Only the
            // first sample runs every wasm side.
            for sample in 0..load.samples {
                if (run + sample as usize).is_multiple_of(2) {
                    figure.native.push(native());
                    wasm(figure, load, sample == 0);
                } else {
                    wasm(figure, load, sample == 0);
                    figure.native.push(native());
                }
            }
        }
        if let Ok(p) = &peer {
            let n = |x: u32| x.to_string();
            f[spawn].peer.push(p.call(&["spawn_join", &n(SPAWNS)]) / f64::from(SPAWNS));
            f[unc].peer.push(p.call(&["uncontended", &n(PAIRS)]) / f64::from(PAIRS));
            f[unr].peer.push(p.call(&["uncontended_read", &n(PAIRS)]) / f64::from(PAIRS));
            for (i, t) in [(c2, 2), (c4, 4)] {
                f[i].peer.push(p.call(&["contended", &n(t), &n(INCREMENTS)]) / f64::from(INCREMENTS));
            }
            f[pp].peer.push(p.call(&["ping_pong", &n(TRIPS)]) / f64::from(TRIPS));
            f[a1].peer.push(p.call(&["alloc", "1", &n(ALLOCS)]) / f64::from(ALLOCS));
            f[a2].peer.push(p.call(&["alloc", "2", &n(ALLOCS)]) / f64::from(2 * ALLOCS));
            for &(t, i) in &mandel {
                f[i].peer.push(p.call(&["mandelbrot", "400", "300", &n(t)]));
            }
        }
    }

    println!("wthreads benchmarks: {runs} runs, medians; ratio = wasm time ÷ native time (lower is better)");
    println!(
        "{:<40} {:>12} {:>12} {:>7} {:>8} {:>12} {:>7} {:>12} {:>7} {:>12} {:>7} {:>12} {:>7} {:>12} {:>7}",
        "",
        "native",
        "wasm",
        "ratio",
        "target",
        "peer",
        "ratio",
        "traced",
        "÷ wasm",
        "no events",
        "wasm ÷",
        "--memory",
        "÷ wasm",
        "unwatched",
        "wasm ÷"
    );
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
        let (peer, peer_ratio) = if f.peer.is_empty() {
            (String::new(), String::new())
        } else {
            (show(median(&f.peer), f.show), format!("{:.2}", median(&f.peer) / n))
        };
        let (traced, bare, memory) = (median(&f.traced), median(&f.bare), median(&f.memory));
        let (unwatched, beside) = (median(&f.unwatched), median(&f.beside));
        println!(
            "{:<40} {:>12} {:>12} {:>7.2} {:>8} {peer:>12} {peer_ratio:>7} {:>12} {:>7.2} {:>12} {:>7.2} {:>12} {:>7.2} {:>12} {:>7.2}{mark}",
            f.name,
            show(n, f.show),
            show(w, f.show),
            ratio,
            target,
            show(traced, f.show),
            traced / beside,
            show(bare, f.show),
            beside / bare,
            show(memory, f.show),
            memory / beside,
            show(unwatched, f.show),
            beside / unwatched
        );
        let sides = [
            ("native", &f.native),
            ("wasm", &f.wasm),
            ("peer", &f.peer),
            ("traced", &f.traced),
            ("no events", &f.bare),
            ("unwatched", &f.unwatched),
        ];
        for (side, v) in sides {
            if !v.is_empty() && spread(v) > 0.25 {
                warnings.push(format!("{} ({side}): runs spread over {:.0}% of the median", f.name, spread(v) * 100.0));
            }
        }
    }
    for i in [c2, c4] {
        println!("{}", regimes::line(&figures[i], &figures[unc]));
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
        let (peer, peer_ratio) = if figures[i].peer.is_empty() {
            (String::new(), String::new())
        } else {
            let ps = median(&figures[mandel[0].1].peer) / median(&figures[i].peer);
            (format!("{ps:.2}x"), format!("{:.2}", ps / ns))
        };
        println!(
            "{:<40} {:>12} {:>12} {:>7.2} {:>8} {peer:>12} {peer_ratio:>7}{ok}",
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
    let time_ratio = |row: &str| figures.iter().find(|f| f.name == row).map(|f| median(&f.wasm) / median(&f.native));
    missed.extend(counts::table(Path::new(wthreads_guest_tests::BENCH), &time_ratio)?);
    // `check` in child processes (their peak memory is their own): at most 3 runs.
    missed.extend(check::table(runs.min(3))?);
    missed.extend(startup::table(runs)?);
    match &peer {
        Ok(_) => println!(
            "peer: Rust std on wasm32-wasip1-threads under wasmtime 46 (wasi-threads); its ratio is peer ÷ native"
        ),
        Err(why) => println!("peer (Rust std on wasm32-wasip1-threads, wasmtime 46): none, {why}; see the README"),
    }
    for w in &warnings {
        println!("warning: {w}");
    }
    verdict(&missed)
}

/// Prints whether every target held, or which were missed.
fn verdict(missed: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    if missed.is_empty() {
        println!("every target held");
    } else {
        println!("targets missed: {}", missed.join("; "));
    }
    Ok(())
}
