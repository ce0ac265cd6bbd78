//! `wthreads`: run or patch threaded wasm guests.
//!
//! - `wthreads run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N]`
//! - `wthreads trace FILE.wasm [run options] [-o PATH] [--format perfetto|rapid|raw|text]`
//! - `wthreads check FILE.wasm [run options]`
//! - `wthreads patch IN.wasm -o OUT.wasm [--no-stack-check] [--host-wait]`

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::exit;
use wasmtime::Val;
use wthreads_host::trace::{self, Format, Recorder};
use wthreads_host::{
    Builder, Cache, DEFAULT_MAX_THREADS, EXIT_DEADLOCK, EXIT_MODULE, EXIT_RACE, EXIT_TRAP, Error, Options, stderr_line,
};

/// Runs and patches threaded WebAssembly guests built with the wthreads crate.
#[derive(Parser)]
#[command(name = "wthreads", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an export of a module (patched in memory if it is not yet) and exit with its result if
    /// that is one i32 from 0 to 255, else print its results; 101 if it traps or panics, 2 if
    /// the module cannot be run.
    Run(RunArgs),
    /// Run like `run` (same output and exit status) and write a trace of the run's events:
    /// spawn, start, exit, join, every lock, futex, condvar and park event (docs/trace.md).
    Trace(TraceArgs),
    /// Run like `run` with every memory access recorded, and report the run's data races and
    /// lock-order inversions (docs/check.md); exit 66 if there were any, else with the
    /// program's status.
    Check(RunArgs),
    /// Apply threadify: per-thread stacks and TLS blocks, the stack-overflow check and
    /// wait/wake as instructions.
    Patch(wthreads_threadify::cli::PatchArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The module to run.
    #[arg(value_name = "FILE.wasm")]
    file: PathBuf,
    /// The export to call.
    #[arg(long, value_name = "NAME", default_value = "main")]
    invoke: String,
    /// An argument of the export, in order, one for each of its parameters (an integer, or a
    /// float for f32 and f64).
    #[arg(long = "arg", value_name = "VALUE", allow_hyphen_values = true)]
    args: Vec<String>,
    /// The most threads alive at once besides main (a spawn beyond gets an error).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_THREADS)]
    max_threads: usize,
    /// Compile the module afresh and keep nothing: without it, the patched and compiled module
    /// is kept in the user's cache directory (`$WTHREADS_CACHE_DIR`, else e.g. ~/.cache/wthreads)
    /// and the next run of the same module starts from it (`trace` and `check` always compile
    /// afresh: their module is instrumented for the run).
    #[arg(long)]
    no_cache: bool,
}

#[derive(clap::Args)]
struct TraceArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Where to write the trace (default: trace.json, trace.rapid, trace.wtrace or trace.txt by
    /// format; `-` for standard output). RAPID's location table goes to PATH.locations.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// The trace's format.
    #[arg(long, value_enum, default_value_t = Format::Perfetto)]
    format: Format,
    /// Record every access of the shared memory too (plain accesses into a buffer per thread,
    /// atomic ones as synchronisation).
    #[arg(long)]
    memory: bool,
    /// Also write the timeline picture: one self-contained HTML page with an SVG.
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
}

fn fail(msg: &str) -> ! {
    stderr_line(&format!("wthreads: {msg}"));
    exit(EXIT_MODULE)
}

/// The runtime as `a` says, before the command's own settings.
fn runtime(a: &RunArgs) -> Builder {
    Builder::new().max_threads(a.max_threads)
}

/// The exit status of a call that returned `results`: the result if it is one i32 that fits an
/// exit status, else 0 after printing them, one per line (a wide, negative or non-i32 result
/// would lose its value in the status).
fn returned(results: &[Val]) -> i32 {
    if let [Val::I32(code @ 0..=255)] = results {
        return *code;
    }
    let mut out = std::io::stdout().lock();
    for r in results {
        let line = match r {
            Val::I32(v) => v.to_string(),
            Val::I64(v) => v.to_string(),
            Val::F32(bits) => f32::from_bits(*bits).to_string(),
            Val::F64(bits) => f64::from_bits(*bits).to_string(),
            other => format!("{other:?}"),
        };
        if writeln!(out, "{line}").is_err() {
            return EXIT_MODULE;
        }
    }
    0
}

/// Runs the module as `a` says and exits with its status; `finish` runs first (the trace, the
/// analysis), told whether the module ran at all, and may give another status.
fn run(a: &RunArgs, runtime: Builder, finish: impl FnOnce(bool) -> Option<i32>) -> ! {
    let file = a.file.display().to_string();
    let wasm = std::fs::read(&a.file).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
    let cache = if a.no_cache { None } else { Cache::user() };
    let options = Options { invoke: a.invoke.clone(), args: a.args.clone(), runtime, cache };
    let result = wthreads_host::run(&wasm, options);
    if let Err(Error::Deadlock(report)) = &result {
        eprint!("{report}");
    }
    let status = finish(!matches!(result, Err(Error::Module(_))));
    match result {
        Ok(results) => exit(status.unwrap_or_else(|| returned(&results))),
        Err(Error::Module(m)) => fail(&format!("{file}: {m}")),
        Err(Error::Trap(m)) => {
            stderr_line(&format!("wthreads: {file}: `{}` did not return: {m}", a.invoke));
            exit(status.unwrap_or(EXIT_TRAP))
        }
        Err(Error::Deadlock(_)) => exit(status.unwrap_or(EXIT_DEADLOCK)),
    }
}

/// A raw trace file of this process in the temporary directory.
fn temp_trace() -> PathBuf {
    std::env::temp_dir().join(format!("wthreads-trace-{}.wtrace", std::process::id()))
}

/// `wthreads check`: runs the program with every access recorded and analysed as it runs;
/// reports its data races as they are found, then its lock-order inversions.
fn check(a: &RunArgs) -> ! {
    let analysis = trace::Analysis::start(Box::new(std::io::stderr()))
        .unwrap_or_else(|e| fail(&format!("cannot start the analysis: {e}")));
    run(a, runtime(a).trace(std::sync::Arc::clone(analysis.recorder())), |_| {
        match analysis.finish().map(|found| found.summary()) {
            Err(e) => fail(&format!("cannot analyse the run: {e}")),
            Ok(None) => None,
            Ok(Some(summary)) => {
                stderr_line(&format!("wthreads check: {summary}"));
                Some(EXIT_RACE)
            }
        }
    })
}

/// `wthreads trace`: records the raw trace next to the output, then converts it.
fn trace(t: TraceArgs) -> ! {
    let output = t.output.clone().unwrap_or_else(|| PathBuf::from(t.format.default_file()));
    let to_stdout = output.as_os_str() == "-";
    let raw = if t.format == Format::Raw && !to_stdout && t.html.is_none() { output.clone() } else { temp_trace() };
    let recorder =
        Recorder::create(&raw, t.memory).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", raw.display())));
    run(&t.run, runtime(&t.run).trace(std::sync::Arc::clone(&recorder)), |ran| {
        let finished = recorder.finish();
        if !ran {
            // Nothing ran: no trace, only the message of why.
            std::fs::remove_file(&raw).ok();
            return None;
        }
        if let Err(e) = finished {
            fail(&format!("cannot write {}: {e}", raw.display()));
        }
        if let Some(html) = &t.html {
            let written = trace::reader::Trace::open(&raw).and_then(|trace| {
                trace::html::write(&trace, &mut std::io::BufWriter::new(std::fs::File::create(html)?))
            });
            if let Err(e) = written {
                fail(&format!("cannot write the timeline to {}: {e}", html.display()));
            }
        }
        if raw != output {
            let written = write_trace(&raw, t.format, &output, to_stdout);
            std::fs::remove_file(&raw).ok();
            if let Err(e) = written {
                fail(&format!("cannot write the trace to {}: {e}", output.display()));
            }
        }
        None
    })
}

/// Converts the raw trace to `format` at `output` (standard output for `-`), with its side file
/// if the format has one (next to the output; `trace.rapid.locations` for standard output).
fn write_trace(raw: &Path, format: Format, output: &Path, to_stdout: bool) -> std::io::Result<()> {
    let side_path = trace::side_file(if to_stdout { Path::new(format.default_file()) } else { output }, format);
    let mut side: Box<dyn std::io::Write> = match &side_path {
        Some(p) => Box::new(std::fs::File::create(p)?),
        None => Box::new(std::io::sink()),
    };
    if to_stdout {
        trace::convert(raw, format, &mut std::io::stdout().lock(), &mut side)
    } else {
        trace::convert(raw, format, &mut std::fs::File::create(output)?, &mut side)
    }
}

fn main() {
    // clap reports a bad command line with the usage and exit status 2, the status of a module
    // that cannot be run (`EXIT_MODULE`).
    match Cli::parse().command {
        Command::Run(a) => run(&a, runtime(&a), |_| None),
        Command::Trace(t) => trace(t),
        Command::Check(a) => check(&a),
        Command::Patch(p) => match p.run() {
            Ok(()) => exit(0),
            Err(e) => fail(&e),
        },
    }
}
