//! The demo: renders the Mandelbrot set in a wasm guest (`guest-tests/mandelbrot`, `#![no_std]`,
//! built on stable) on the native host, first with 1 thread and then with one per core; prints
//! both times and the speedup and writes the picture as a PNG.
//!
//! `cargo run --release -p wthreads-host --example mandelbrot -- [OUT.png]`

use std::time::Instant;
use wthreads_host::{Builder, Runtime};

const WIDTH: u32 = 1600;
const HEIGHT: u32 = 1200;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "mandelbrot.png".into());
    let wasm = std::fs::read(wthreads_guest_tests::MANDELBROT)?;
    let rt = Runtime::load(&wasm, Builder::new())?;
    let mut main = rt.main_thread()?;
    let cores = std::thread::available_parallelism()?.get();

    println!("Mandelbrot {WIDTH}x{HEIGHT}, 1000 iterations, wasm guest on the wthreads native host");
    let mut times = Vec::new();
    let mut ptr: u32 = 0;
    for threads in [1, cores] {
        let t0 = Instant::now();
        ptr = main.call("render", (WIDTH, HEIGHT, u32::try_from(threads)?))?;
        let dt = t0.elapsed();
        println!("  {threads:>2} thread{}: {:>8.1} ms", if threads == 1 { " " } else { "s" }, dt.as_secs_f64() * 1e3);
        times.push(dt.as_secs_f64());
    }
    println!("  speedup with {cores} threads: {:.2}x", times[0] / times[1]);

    let pixels = main.read(ptr, WIDTH * HEIGHT)?;
    let file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let mut encoder = png::Encoder::new(file, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&pixels)?;
    println!("  wrote {out}");
    Ok(())
}
