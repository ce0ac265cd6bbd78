//! rayon in a std wasm guest (`guest-tests/std-programs`), on a pool whose threads wthreads
//! spawns: sorts 10 million numbers and runs a map-reduce over them with 1, 2, … threads (up to
//! the number of cores), checks each result against the sequential one and prints the times.
//!
//! `cargo run --release -p wthreads-host --example rayon`

use wthreads_host::{Builder, Runtime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wasm = std::fs::read(wthreads_guest_tests::STD_PROGRAMS)?;
    let rt = Runtime::load(&wasm, Builder::new())?;
    let mut main = rt.main_thread()?;
    let cores = i32::try_from(std::thread::available_parallelism()?.get())?;
    println!("rayon par_sort_unstable + map-reduce over 10,000,000 u32 in a wasm guest");
    main.call::<_, i32>("rayon_speedup", (cores,))?;
    Ok(())
}
