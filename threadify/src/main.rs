//! `wthreads-threadify IN.wasm -o OUT.wasm`: patch a module (the same as `wthreads patch`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match wthreads_threadify::build::patch_cli(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wthreads-threadify: {e}");
            ExitCode::from(2)
        }
    }
}
