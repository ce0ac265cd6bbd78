#!/usr/bin/env bash
# Runs the guest library under Miri, which reports undefined behaviour, data races and leaks:
# the guest programs as native code (guest-tests/programs: threads, locks, condvars, channels,
# thread-locals, panics, over std threads and an emulated futex; their loops a hundredth as
# long), every one in one Miri run, and the library's own native tests (tests/native.rs). Uses
# the pinned nightly that scripts/setup.sh installs with its miri component.
set -euo pipefail
cd "$(dirname "$0")/.."
NIGHTLY=nightly-2026-05-20
cargo +"$NIGHTLY" miri setup >/dev/null 2>&1 || cargo +"$NIGHTLY" miri setup
# The native runtime relies on unwinding panics; the programs' own profile aborts (for wasm).
(cd guest-tests/programs && CARGO_PROFILE_DEV_PANIC=unwind \
    cargo +"$NIGHTLY" miri run --target-dir ../../target/programs-miri --bin native -- --all)
cargo +"$NIGHTLY" miri test -p wthreads --features native-runtime --test native "$@"
