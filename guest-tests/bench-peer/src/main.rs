//! `bench-peer WORKLOAD ARGS...`: runs one benchmark workload (`../bench/src/workloads.rs`)
//! with Rust std on `wasm32-wasip1-threads` and prints its elapsed time in microseconds. The
//! benchmark harness (`host/examples/bench.rs`) runs it under wasmtime 46 for the peer column.

extern crate alloc;

/// The runtime the workloads are written against: Rust std, as on the native side.
mod rt {
    pub use std::{sync, thread, time};
}

#[path = "../../bench/src/workloads.rs"]
mod workloads;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize| -> u32 {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or_else(|| {
            eprintln!("bench-peer: argument {i} must be a number");
            std::process::exit(2)
        })
    };
    let ns = match args.first().map(String::as_str) {
        Some("spawn_join") => workloads::spawn_join(n(1)),
        Some("uncontended") => workloads::uncontended(n(1)),
        Some("uncontended_read") => workloads::uncontended_read(n(1)),
        Some("contended") => workloads::contended(n(1), n(2)),
        Some("ping_pong") => workloads::ping_pong(n(1)),
        Some("alloc") => workloads::alloc_mixed(n(1), n(2)),
        Some("mandelbrot") => workloads::mandelbrot(n(1), n(2), n(3)),
        _ => {
            eprintln!(
                "usage: bench-peer spawn_join|uncontended|uncontended_read|contended|ping_pong|alloc|mandelbrot ARGS..."
            );
            std::process::exit(2)
        }
    };
    println!("{}", ns / 1000);
}
