#!/usr/bin/env bash
# Runs every test of the project: threadify's fixture tests, the guest programs on the native
# host (no_std on stable, std on the pinned nightly), the external-crate check, the guest
# library's lints for wasm32. Everything builds in release mode into one target directory, so
# wasmtime is compiled once for the tests and the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --release --workspace
cargo clippy --release --target wasm32-unknown-unknown -p wthreads -- -D warnings
