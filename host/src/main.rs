//! `wthreads`: run or patch threaded wasm guests.
//!
//! - `wthreads run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-locks]`
//! - `wthreads patch IN.wasm -o OUT.wasm [--no-stack-check] [--host-wait]`

use std::process::exit;
use wthreads_host::output::stderr_line;
use wthreads_host::{EXIT_MODULE, EXIT_TRAP, Error, Options};

const USAGE: &str = "usage:
  wthreads run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-locks]
      run export NAME (default `main`) with the i32 arguments given by --arg, in order,
      and exit with its i32 result
      (101 if it traps or panics, 2 if the module cannot be run)
  wthreads patch IN.wasm -o OUT.wasm [--no-stack-check] [--host-wait]
      apply threadify: per-thread stacks and TLS blocks, the stack-overflow check (unless
      --no-stack-check) and wait/wake as instructions (unless --host-wait)";

fn fail(msg: &str) -> ! {
    stderr_line(&format!("wthreads: {msg}"));
    exit(EXIT_MODULE)
}

fn run(args: &[String]) -> ! {
    let mut options = Options::default();
    let mut file = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--invoke" => options.invoke = it.next().cloned().unwrap_or_else(|| fail("--invoke needs a NAME")),
            "--max-threads" => {
                options.max_threads =
                    it.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| fail("--max-threads needs a number"));
            }
            "--trace-locks" => options.trace_locks = true,
            "--arg" => options
                .args
                .push(it.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| fail("--arg needs an i32 number"))),
            f if file.is_none() && !f.starts_with("--") => file = Some(f.to_string()),
            other => fail(&format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    let file = file.unwrap_or_else(|| fail(USAGE));
    let wasm = std::fs::read(&file).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
    let invoke = options.invoke.clone();
    match wthreads_host::run(&wasm, options) {
        Ok(code) => exit(code),
        Err(Error::Module(m)) => fail(&format!("{file}: {m}")),
        Err(Error::Trap(m)) => {
            stderr_line(&format!("wthreads: {file}: `{invoke}` did not return: {m}"));
            exit(EXIT_TRAP)
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("patch") => match wthreads_threadify::build::patch_cli(&args[1..]) {
            Ok(()) => exit(0),
            Err(e) => fail(&e),
        },
        _ => fail(USAGE),
    }
}
