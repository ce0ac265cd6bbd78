//! Guest test programs, built for wasm32 and patched by `build.rs`.
//!
//! - [`PROGRAMS`]: the stable `#![no_std]` suite (`guest-tests/programs`);
//! - [`STD_PROGRAMS`]: the std suite built with nightly `-Zbuild-std` (`guest-tests/std-programs`);
//! - [`MANDELBROT`]: the demo guest (`guest-tests/mandelbrot`);
//! - [`TRACED`]: a guest built with the `trace-locks` feature;
//! - `foreach_program!(mac)`: `mac!(suite, test_name)` for every exported `test_*` program.

include!(concat!(env!("OUT_DIR"), "/programs.rs"));
