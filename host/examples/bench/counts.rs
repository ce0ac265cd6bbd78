//! Instructions per operation, which do not depend on the machine's speed (issue 19): each lock
//! workload run natively and as the wasm guest (the code wasmtime's full tier generates, as
//! `wthreads run` compiles it) in a child process of the benchmark under Valgrind's callgrind,
//! which counts the instructions executed (`Ir`) and the atomic ones (`Ge`, its "global bus
//! events": locked instructions and `xchg`). Each side runs twice, with `n` and `2n` operations:
//! the difference, divided by `n`, is the count of one operation, without start-up or setup.
//! Callgrind counts user space only: a futex's time in the kernel is not in the figures.
//!
//! The guest is compiled once, in a child under Valgrind (`--tool=none`), for the processor
//! Valgrind presents (wasmtime refuses code compiled for the real one, whose features differ),
//! on one thread; the counted children load that code.

use std::path::{Path, PathBuf};
use std::process::Command;
use wasmtime::{Config, Engine, Linker, Module, Val};
use wthreads_host::{Builder, Tier, WthreadsCtx};

/// The argument that makes the benchmark a child that compiles the guest or runs a workload.
pub const CHILD: &str = "--count-child";

/// Largest acceptable wasm ÷ native instruction count of an uncontended lock + unlock.
const TARGET: f64 = 1.2;

/// A counted workload: its row, its name on both sides, its operations per run, its target.
struct Workload {
    row: &'static str,
    /// The native function's name and the guest export's suffix (`bench_NAME`).
    name: &'static str,
    n: u32,
    target: Option<f64>,
}

const WORKLOADS: &[Workload] = &[
    Workload { row: "uncontended lock + unlock", name: "uncontended", n: 100_000, target: Some(TARGET) },
    Workload { row: "uncontended read lock + unlock", name: "uncontended_read", n: 100_000, target: None },
    Workload { row: "condvar ping-pong round trip", name: "ping_pong", n: 2_000, target: None },
];

/// The engine the guest is compiled with, in both kinds of child: the full tier, on one thread.
fn engine() -> Result<Engine, Box<dyn std::error::Error>> {
    Ok(Engine::new(Tier::Full.configure(&mut Config::new()).parallel_compilation(false))?)
}

/// In a child: `compile IN OUT` writes the guest `IN` (as `wthreads run` compiles it) compiled to
/// `OUT`; `run SIDE NAME N` runs workload `NAME` with `N` operations, natively (`SIDE` is
/// "native") or as the guest compiled into the file `SIDE`.
///
/// # Errors
/// If the arguments are not those [`table`] passes, or the guest cannot be compiled or run.
pub fn child(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    match args {
        [mode, input, output] if mode == "compile" => {
            let wasm = wthreads_host::patch(&std::fs::read(input)?)?;
            std::fs::write(output, engine()?.precompile_module(&wasm)?)?;
            Ok(())
        }
        [mode, side, name, n] if mode == "run" => run(side, name, n.parse()?),
        _ => Err(format!("{CHILD} compile IN OUT | run SIDE NAME N, not {args:?}").into()),
    }
}

/// Runs one workload once (see [`child`]).
fn run(side: &str, name: &str, n: u32) -> Result<(), Box<dyn std::error::Error>> {
    if side == "native" {
        match name {
            "uncontended" => super::workloads::uncontended(n),
            "uncontended_read" => super::workloads::uncontended_read(n),
            "ping_pong" => super::workloads::ping_pong(n),
            _ => return Err(format!("no workload {name}").into()),
        };
        return Ok(());
    }
    let engine = engine()?;
    // SAFETY: `deserialize_file` requires a file that `precompile_module` wrote with a compatible
    // engine and that has not changed since: `table` has the `compile` child write it with this
    // same engine configuration and binary, and removes it only after every `run` child ended.
    let module = unsafe { Module::deserialize_file(&engine, side)? };
    let mut linker = Linker::new(&engine);
    wthreads_host::add_to_linker(&mut linker)?;
    let rt = Builder::new().build(&linker, &module, |ctx: WthreadsCtx| ctx)?;
    let mut main = rt.main_thread()?;
    main.call_dynamic(&format!("bench_{name}"), &[Val::I32(n.cast_signed())])?;
    Ok(())
}

/// Valgrind, or why there is none.
fn valgrind() -> Result<PathBuf, String> {
    let valgrind = std::env::var_os("VALGRIND").map_or_else(|| PathBuf::from("valgrind"), PathBuf::from);
    match Command::new(&valgrind).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(valgrind),
        _ => Err(format!("`{}` not found (Debian's package: valgrind; or set VALGRIND)", valgrind.display())),
    }
}

/// Runs this benchmark as a child with `args` under Valgrind's `tool`; returns its stderr.
fn under(valgrind: &Path, tool: &[&str], args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let out = Command::new(valgrind).args(tool).arg(std::env::current_exe()?).arg(CHILD).args(args).output()?;
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(format!("{args:?} under valgrind {tool:?}: {text}").into());
    }
    Ok(text)
}

/// Instructions and atomic instructions of one child run under callgrind.
fn count(valgrind: &Path, side: &str, name: &str, n: u32) -> Result<[f64; 2], Box<dyn std::error::Error>> {
    let callgrind = ["--tool=callgrind", "--collect-bus=yes", "--callgrind-out-file=/dev/null"];
    let text = under(valgrind, &callgrind, &["run", side, name, &n.to_string()])?;
    // "==PID== Collected : IR GE"
    let collected = text.lines().find_map(|l| l.split_once("Collected :").map(|(_, c)| c));
    let mut figures = collected.unwrap_or_default().split_whitespace().map(str::parse::<f64>);
    match (figures.next(), figures.next()) {
        (Some(Ok(ir)), Some(Ok(ge))) => Ok([ir, ge]),
        _ => Err(format!("{name} ({side}): no counts from callgrind in {text}").into()),
    }
}

/// Instructions and atomic instructions per operation: the runs of `2n` and `n` operations
/// apart, divided by `n`.
fn per_op(valgrind: &Path, side: &str, w: &Workload) -> Result<[f64; 2], Box<dyn std::error::Error>> {
    let one = count(valgrind, side, w.name, w.n)?;
    let two = count(valgrind, side, w.name, 2 * w.n)?;
    Ok([0, 1].map(|i| (two[i] - one[i]) / f64::from(w.n)))
}

/// Counts every workload and prints the table, beside each row the same run's time ratio from
/// `time_ratio` (by row name); returns the rows that missed a target. Without Valgrind it says
/// so and returns that as a missed target: the counts are part of the suite.
///
/// # Errors
/// If a child fails.
pub fn table(wasm: &Path, time_ratio: &dyn Fn(&str) -> Option<f64>) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    println!();
    let valgrind = match valgrind() {
        Ok(v) => v,
        Err(why) => {
            println!("instruction counts: none, {why}");
            return Ok(vec![format!("instruction counts ({why})")]);
        }
    };
    let compiled = std::env::temp_dir().join(format!("wthreads-bench-counts-{}.cwasm", std::process::id()));
    let compiled_name = compiled.to_string_lossy().into_owned();
    under(&valgrind, &["--tool=none"], &["compile", &wasm.to_string_lossy(), &compiled_name])?;
    let rows: Result<Vec<_>, Box<dyn std::error::Error>> = WORKLOADS
        .iter()
        .map(|w| Ok((per_op(&valgrind, "native", w)?, per_op(&valgrind, &compiled_name, w)?)))
        .collect();
    std::fs::remove_file(&compiled)?;
    println!(
        "instructions per operation (callgrind, user space; runs of 2n and n operations apart, ÷ n); atomic = locked instructions and xchg; time = the table above's ratio"
    );
    println!(
        "{:<40} {:>12} {:>12} {:>7} {:>8} {:>9} {:>9} {:>7}",
        "", "native", "wasm", "ratio", "target", "atomic n", "atomic w", "time"
    );
    let mut missed = Vec::new();
    for (w, ([native, native_atomic], [wasm, wasm_atomic])) in WORKLOADS.iter().zip(rows?) {
        let ratio = wasm / native;
        let mark = match w.target {
            Some(t) if ratio > t => {
                missed.push(format!("instructions per {} ({ratio:.2} > {t:.2})", w.row));
                " MISSED"
            }
            _ => "",
        };
        println!(
            "{:<40} {native:>12.1} {wasm:>12.1} {ratio:>7.2} {:>8} {native_atomic:>9.1} {wasm_atomic:>9.1} {:>7}{mark}",
            w.row,
            w.target.map_or(String::new(), |t| format!("≤ {t:.2}")),
            time_ratio(w.row).map_or(String::new(), |r| format!("{r:.2}")),
        );
    }
    Ok(missed)
}
