#!/usr/bin/env bash
# Model-checks the guest library's primitives with loom (src/loom_tests.rs): Mutex, Condvar,
# RwLock, Once, Barrier, park/unpark and channels, over the host-target runtime with loom's
# atomics and an emulated futex. Its own target directory: `--cfg loom` rebuilds every crate.
# LOOM_MAX_PREEMPTIONS=N explores more (the default bound is 3).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg loom"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/loom"
cargo clippy --release -p wthreads --features native-runtime --all-targets -- -D warnings
cargo test --release -p wthreads --features native-runtime --lib loom "$@"
