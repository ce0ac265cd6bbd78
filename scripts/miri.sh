#!/usr/bin/env bash
# Runs the guest library's native tests (tests/native.rs: threads, locks, condvars, channels,
# thread-locals, panics, over std threads and an emulated futex) under Miri, which reports
# undefined behaviour, data races and leaks. Uses the pinned nightly that scripts/setup.sh
# installs with its miri component.
set -euo pipefail
cd "$(dirname "$0")/.."
NIGHTLY=nightly-2026-05-20
cargo +"$NIGHTLY" miri setup >/dev/null 2>&1 || cargo +"$NIGHTLY" miri setup
cargo +"$NIGHTLY" miri test -p wthreads --features native-runtime --test native "$@"
