//! `wthreads`: run or patch threaded wasm guests.
//!
//! - `wthreads run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-locks]`
//! - `wthreads patch IN.wasm -o OUT.wasm [--no-stack-check] [--host-wait]`

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::exit;
use wthreads_host::output::stderr_line;
use wthreads_host::{EXIT_MODULE, EXIT_TRAP, Error, Options};

/// Runs and patches threaded WebAssembly guests built with the wthreads crate.
#[derive(Parser)]
#[command(name = "wthreads", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an export of a module (patched in memory if it is not yet) and exit with its i32
    /// result; 101 if it traps or panics, 2 if the module cannot be run.
    Run(RunArgs),
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
    /// An i32 argument of the export, in order (repeat for more).
    #[arg(long = "arg", value_name = "N", allow_negative_numbers = true)]
    args: Vec<i32>,
    /// The most threads alive at once besides main (a spawn beyond gets an error).
    #[arg(long, value_name = "N", default_value_t = Options::default().max_threads)]
    max_threads: usize,
    /// Print the lock events of a guest built with the `trace-locks` feature.
    #[arg(long)]
    trace_locks: bool,
}

fn fail(msg: &str) -> ! {
    stderr_line(&format!("wthreads: {msg}"));
    exit(EXIT_MODULE)
}

fn run(a: RunArgs) -> ! {
    let file = a.file.display().to_string();
    let wasm = std::fs::read(&a.file).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
    let options =
        Options { invoke: a.invoke.clone(), max_threads: a.max_threads, trace_locks: a.trace_locks, args: a.args };
    match wthreads_host::run(&wasm, options) {
        Ok(code) => exit(code),
        Err(Error::Module(m)) => fail(&format!("{file}: {m}")),
        Err(Error::Trap(m)) => {
            stderr_line(&format!("wthreads: {file}: `{}` did not return: {m}", a.invoke));
            exit(EXIT_TRAP)
        }
    }
}

fn main() {
    // clap reports a bad command line with the usage and exit status 2, the status of a module
    // that cannot be run (`EXIT_MODULE`).
    match Cli::parse().command {
        Command::Run(a) => run(a),
        Command::Patch(p) => match p.run() {
            Ok(()) => exit(0),
            Err(e) => fail(&e),
        },
    }
}
