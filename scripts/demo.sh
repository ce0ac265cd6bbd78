#!/usr/bin/env bash
# The demo: renders a Mandelbrot set in a wasm guest on the native host, with 1 thread and with
# every core, prints both times and the speedup, and writes mandelbrot.png.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo run --release -q -p wthreads-host --example mandelbrot -- "${1:-mandelbrot.png}"
