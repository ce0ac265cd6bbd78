//! The benchmark guest: `workloads.rs` compiled for wasm32 over wthreads. Each export runs one
//! workload and returns its elapsed time in microseconds (an i32, which the runtime API's
//! calls return; the sizes are chosen to stay far below its range).
#![no_std]

extern crate alloc;

/// The runtime the workloads are written against: wthreads here, std in the native build.
mod rt {
    pub use wthreads::{sync, thread, time};
}

mod workloads;

fn us(ns: u64) -> i32 {
    i32::try_from(ns / 1000).unwrap_or(i32::MAX)
}

/// See `workloads::spawn_join`.
#[unsafe(no_mangle)]
pub extern "C" fn bench_spawn_join(n: u32) -> i32 {
    us(workloads::spawn_join(n))
}

/// See `workloads::uncontended`.
#[unsafe(no_mangle)]
pub extern "C" fn bench_uncontended(n: u32) -> i32 {
    us(workloads::uncontended(n))
}

/// See `workloads::uncontended_read`.
#[unsafe(no_mangle)]
pub extern "C" fn bench_uncontended_read(n: u32) -> i32 {
    us(workloads::uncontended_read(n))
}

/// See `workloads::contended`.
#[unsafe(no_mangle)]
pub extern "C" fn bench_contended(threads: u32, n: u32) -> i32 {
    us(workloads::contended(threads, n))
}

/// See `workloads::ping_pong`.
#[unsafe(no_mangle)]
pub extern "C" fn bench_ping_pong(n: u32) -> i32 {
    us(workloads::ping_pong(n))
}

/// See `workloads::alloc_mixed`.
#[unsafe(no_mangle)]
pub extern "C" fn bench_alloc(threads: u32, n: u32) -> i32 {
    us(workloads::alloc_mixed(threads, n))
}

/// See `workloads::mandelbrot`.
#[unsafe(no_mangle)]
pub extern "C" fn bench_mandelbrot(width: u32, height: u32, threads: u32) -> i32 {
    us(workloads::mandelbrot(width, height, threads))
}
