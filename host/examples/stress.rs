//! The stress command: `cargo run --release -p wthreads-host --example stress -- [SECONDS]
//! [THREADS]` (default 60 s, 16 threads) runs the stress program of the guest tests
//! (`guest-tests/programs/src/stress.rs`) on the native host and exits with its status: 0 when
//! every invariant held, 1 with the failures printed.

use wthreads_host::{Options, run};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| {
        a.parse::<i32>().unwrap_or_else(|_| {
            eprintln!("stress: `{a}` is not a number\nusage: stress [SECONDS] [THREADS]");
            std::process::exit(2)
        })
    });
    let seconds = args.next().unwrap_or(60);
    let threads = args.next().unwrap_or(16);
    let wasm = std::fs::read(wthreads_guest_tests::PROGRAMS).expect("the guest programs are built by guest-tests");
    let options = Options {
        invoke: "stress".into(),
        args: vec![seconds.to_string(), threads.to_string(), "0".into()],
        ..Options::default()
    };
    match run(&wasm, options) {
        Ok(results) => std::process::exit(results.first().and_then(wasmtime::Val::i32).unwrap_or(0)),
        Err(e) => {
            eprintln!("stress: {e}");
            std::process::exit(101)
        }
    }
}
