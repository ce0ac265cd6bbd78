//! The cost of `wthreads check` (issue 16, docs/check.md): each workload of the suite run in a
//! child process of the benchmark, once as `run` does and once as `check` does (every access
//! recorded and analysed as the program runs), the two alternating. A figure is the
//! workload's time (for `check`, with the recording finished and the analysis done) and the
//! process's peak resident memory; the ratios are `check ÷ run` of the same run. The workloads
//! are smaller than the suite's others: `check` records each of their accesses.

use super::tsan::Baseline;
use std::process::Command;
use std::time::Instant;
use wthreads_host::trace::Analysis;
use wthreads_host::{Builder, Runtime};

/// The argument that makes the benchmark a child that measures one workload.
pub const CHILD: &str = "--check-cost-child";

/// Largest acceptable `check ÷ run` ratios (ThreadSanitizer's published 5–15× time, 5–10×
/// memory).
const TIME_TARGET: f64 = 15.0;
const MEMORY_TARGET: f64 = 8.0;

/// The workloads: their row name, export and arguments.
const WORKLOADS: &[(&str, &str, &[i32])] = &[
    ("spawn + join (200)", "bench_spawn_join", &[200]),
    ("uncontended lock + unlock (200,000)", "bench_uncontended", &[200_000]),
    ("contended counter, 2 threads (100,000)", "bench_contended", &[2, 100_000]),
    ("contended counter, 4 threads (100,000)", "bench_contended", &[4, 100_000]),
    ("condvar ping-pong (2,000)", "bench_ping_pong", &[2_000]),
    ("malloc+free mixed, 2 threads (50,000)", "bench_alloc", &[2, 50_000]),
    ("demo workload 200x150, 2 threads", "bench_mandelbrot", &[200, 150, 2]),
];

/// In a child: runs workload `args[0]` (its index) as `args[1]` ("run" or "check") and prints
/// its time in nanoseconds and the process's peak resident memory in KiB.
///
/// # Errors
/// If the module cannot run or its trace cannot be analysed.
pub fn child(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (_, export, call_args) = WORKLOADS[args[0].parse::<usize>()?];
    let check = args[1] == "check";
    let analysis = if check { Some(Analysis::start(Box::new(std::io::sink()))?) } else { None };
    let mut runtime = Builder::new();
    if let Some(a) = &analysis {
        runtime = runtime.trace(std::sync::Arc::clone(a.recorder()));
    }
    let rt = Runtime::load(&std::fs::read(wthreads_guest_tests::BENCH)?, runtime).map_err(|e| e.to_string())?;
    let mut main = rt.main_thread().map_err(|e| e.to_string())?;
    let start = Instant::now();
    main.call_dynamic(export, &call_args.iter().copied().map(wasmtime::Val::I32).collect::<Vec<_>>())
        .map_err(|e| e.to_string())?;
    drop(main);
    if let Some(analysis) = analysis {
        let found = analysis.finish()?;
        if let Some(summary) = found.summary() {
            return Err(format!("{export}: {summary}").into());
        }
    }
    let ns = start.elapsed().as_nanos();
    println!("{ns} {}", peak_kib());
    Ok(())
}

/// This process's peak resident memory, in KiB (`VmHWM`: a child's own, where `getrusage`
/// would carry its parent's over `exec`); 0 where the system does not say.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"));
    line.and_then(|l| l.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

/// Runs workload `index` as `mode` in a child; returns (ns, KiB).
fn measure(index: usize, mode: &str) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let out = Command::new(std::env::current_exe()?).args([CHILD, &index.to_string(), mode]).output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("{mode} {}: {text}{}", WORKLOADS[index].1, String::from_utf8_lossy(&out.stderr)).into());
    }
    let mut figures = text.split_whitespace().map(str::parse::<f64>);
    match (figures.next(), figures.next()) {
        (Some(Ok(ns)), Some(Ok(kib))) => Ok((ns, kib)),
        _ => Err(format!("{mode} {}: no figures in {text:?}", WORKLOADS[index].1).into()),
    }
}

/// Measures every workload `runs` times each way and prints the table; returns the rows that
/// missed a target.
///
/// # Errors
/// If a child fails.
pub fn table(runs: usize) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut figures = vec![[Vec::new(), Vec::new()]; WORKLOADS.len()];
    for _ in 0..runs {
        for (i, f) in figures.iter_mut().enumerate() {
            f[0].push(measure(i, "run")?);
            f[1].push(measure(i, "check")?);
        }
    }
    let tsan = Baseline::build();
    println!();
    println!(
        "wthreads check: {runs} runs, medians; ratio = check ÷ run (time of the workload; peak memory of the process); TSan × = the same loops in C under ThreadSanitizer ÷ without"
    );
    println!(
        "{:<40} {:>10} {:>10} {:>7} {:>8} {:>10} {:>10} {:>7} {:>8} {:>7}",
        "", "run", "check", "time ×", "target", "run", "check", "mem ×", "target", "TSan ×"
    );
    let median = |v: &[(f64, f64)], pick: fn(&(f64, f64)) -> f64| {
        let mut s: Vec<f64> = v.iter().map(pick).collect();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    };
    let mut missed = Vec::new();
    for ((name, export, args), [run, check]) in WORKLOADS.iter().zip(&figures) {
        let (rt, ct) = (median(run, |f| f.0), median(check, |f| f.0));
        let (rm, cm) = (median(run, |f| f.1), median(check, |f| f.1));
        let (time, memory) = (ct / rt, cm / rm);
        let mut mark = String::new();
        if time > TIME_TARGET {
            missed.push(format!("check time on {name} ({time:.1} > {TIME_TARGET})"));
            mark.push_str(" MISSED time");
        }
        if memory > MEMORY_TARGET {
            missed.push(format!("check memory on {name} ({memory:.1} > {MEMORY_TARGET})"));
            mark.push_str(" MISSED memory");
        }
        let tsan_ratio = match &tsan {
            Ok(baseline) => baseline.ratio(export, args, runs)?.map_or("–".into(), |r| format!("{r:.1}")),
            Err(_) => "none".into(),
        };
        println!(
            "{name:<40} {:>10} {:>10} {time:>7.1} {:>8} {:>10} {:>10} {memory:>7.1} {:>8} {tsan_ratio:>7}{mark}",
            format!("{:.1} ms", rt / 1e6),
            format!("{:.1} ms", ct / 1e6),
            format!("≤ {TIME_TARGET}"),
            format!("{:.0} MB", rm / 1024.0),
            format!("{:.0} MB", cm / 1024.0),
            format!("≤ {MEMORY_TARGET}"),
        );
    }
    if let Err(why) = &tsan {
        println!("TSan: none, {why}");
    }
    Ok(missed)
}
