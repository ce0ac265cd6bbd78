#!/usr/bin/env bash
# Builds the web runtime's tool module (web/tool: threadify's trace instrumentation and the trace
# formats, which `trace` uses in Node and browsers) into web/wthreads-tool.wasm, or into $1, with
# the build in target/web-tool, or in $2. It is a host compiled to wasm32: a plain module without
# the guest flags, and with `--cfg wthreads_host_only` (the wthreads crate is only its constants).
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/../web/wthreads-tool.wasm}")
target_dir=$(realpath -m "${2:-$(dirname "$0")/../target/web-tool}")
cd "$(dirname "$0")/.."
CARGO_ENCODED_RUSTFLAGS=$(printf -- '--cfg\x1fwthreads_host_only') \
    CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true \
    cargo build --release --quiet --target wasm32-unknown-unknown -p wthreads-web-tool --lib --target-dir "$target_dir"
cp "$target_dir/wasm32-unknown-unknown/release/wthreads_web_tool.wasm" "$out"
