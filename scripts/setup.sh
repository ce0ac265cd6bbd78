#!/usr/bin/env bash
# Installs what building and testing wthreads needs, on a machine with only rustup:
# the wasm32 target and clippy/rustfmt for stable, and the pinned nightly with rust-src for
# the std guests (-Zbuild-std). Idempotent; quiet when everything is there.
set -euo pipefail
NIGHTLY=nightly-2026-05-20
quiet() { "$@" 2>&1 | { grep -v 'is up to date' || true; }; }
quiet rustup target add wasm32-unknown-unknown
quiet rustup component add clippy rustfmt
if ! rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1 \
  || ! rustup +"$NIGHTLY" component list --installed 2>/dev/null | grep -q rust-src; then
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src --target wasm32-unknown-unknown
fi
