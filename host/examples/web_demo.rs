//! Serves the web demo page: the Mandelbrot guest (built and patched by `guest-tests`) on the
//! web runtime, with the cross-origin isolation headers, by `node web/serve.mjs`.
//!
//! `cargo run --release -p wthreads-host --example web_demo [-- --port N]`, then open
//! <http://127.0.0.1:8000/demo/> in a browser. Ctrl-C stops it.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mount = format!("/demo/mandelbrot.wasm={}", wthreads_guest_tests::MANDELBROT);
    let status = std::process::Command::new("node")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/serve.mjs"))
        .args(["--mount", &mount])
        .args(std::env::args().skip(1))
        .status()?;
    if !status.success() {
        return Err(format!("web/serve.mjs failed: {status}").into());
    }
    Ok(())
}
