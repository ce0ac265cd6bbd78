#!/usr/bin/env bash
# Runs every test of the project: threadify's fixture tests, the guest programs on the native
# host (no_std on stable, std on the pinned nightly), the external-crate check, the guest
# library's lints for wasm32 (with and without std) and its documentation examples, and its
# primitives as native code: unit tests, the same under Miri, and loom's model checks. Everything
# builds in release mode into one target directory, so wasmtime is compiled once for the tests
# and the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
cargo test --release --workspace
# The guest library on the host target (std threads, emulated futex): tests, Miri, loom.
cargo clippy --release -p wthreads --features native-runtime --all-targets -- -D warnings
cargo test --release -p wthreads --features native-runtime --lib --test native
scripts/miri.sh
scripts/loom.sh
cargo clippy --release --target wasm32-unknown-unknown -p wthreads -- -D warnings
cargo clippy --release --target wasm32-unknown-unknown -p wthreads --no-default-features --features build-std,global-allocator -- -D warnings
# The web runtime's tool module as it is built (scripts/web-tool.sh): its exports are wasm32's.
CARGO_ENCODED_RUSTFLAGS=$(printf -- '--cfg\x1fwthreads_host_only') CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true \
    cargo clippy --release --target wasm32-unknown-unknown -p wthreads-web-tool --target-dir target/web-tool -- -D warnings
# Every documentation example of the guest library runs as native code over the host-target
# runtime, and compiles for wasm32 (a wasm32 doctest binary has no runner here, so the runner is
# `true`; the compile is the test there).
cargo test --release --doc -p wthreads --features native-runtime
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=true \
    cargo test --doc --target wasm32-unknown-unknown -p wthreads --no-default-features
