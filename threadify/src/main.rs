//! `wthreads-patch IN.wasm -o OUT.wasm [--no-stack-check] [--host-wait]`: patch a module (the
//! same as `wthreads patch`), without the host and its wasmtime: `cargo install wthreads-threadify`
//! builds in seconds what `wthreads` builds in minutes.

use clap::Parser;
use std::process::ExitCode;

/// Patches a wasm module built for wthreads so that each thread can run in an instance of its
/// own (the same as `wthreads patch`).
#[derive(Parser)]
#[command(name = "wthreads-patch", version)]
struct Cli {
    #[command(flatten)]
    patch: wthreads_threadify::cli::PatchArgs,
}

fn main() -> ExitCode {
    match Cli::parse().patch.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wthreads-patch: {e}");
            ExitCode::from(2)
        }
    }
}
