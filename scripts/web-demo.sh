#!/usr/bin/env bash
# The web demo: the Mandelbrot page (web/demo/) in your browser, from a checkout. Builds only what
# the page needs, the Mandelbrot guest (as a guest crate is built: the flags of
# docs/guest-config.toml) and threadify to patch it, then serves web/ cross-origin isolated on
# loopback: open http://127.0.0.1:8000/demo/ (Ctrl-C stops it; `--port N` picks another port).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if ! command -v node >/dev/null; then
  echo "web-demo: the page is served by Node.js (web/serve.mjs), which is not installed" >&2
  exit 1
fi
out=target/web-demo
echo "web-demo: building the Mandelbrot guest and threadify (a minute or two the first time)" >&2
(cd guest-tests/mandelbrot && cargo build --release --quiet --lib --target wasm32-unknown-unknown \
  --config ../../docs/guest-config.toml --target-dir "../../$out/guest")
cargo run --release --quiet -p wthreads-threadify -- \
  "$out/guest/wasm32-unknown-unknown/release/mandelbrot.wasm" -o "$out/mandelbrot.wasm"
exec node web/serve.mjs --mount "/demo/mandelbrot.wasm=$out/mandelbrot.wasm" --mount /README.md=README.md "$@"
