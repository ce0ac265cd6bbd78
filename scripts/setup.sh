#!/usr/bin/env bash
# Installs what building wthreads needs, on a machine with only rustup: the wasm32 target and the
# pinned nightly with rust-src for the std guests (-Zbuild-std), which the demo builds too.
# `--tests` adds what only the tests need: clippy and rustfmt, Miri, a check that Node.js (20.16+)
# is there for the web runtime, Node.js 22 for its trace tests if the machine's is older,
# TypeScript for its package's declarations, and Debian's chromium for its browser tests.
# Idempotent; quiet when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
NIGHTLY=nightly-2026-05-20
quiet() { "$@" 2>&1 | { grep -v 'is up to date' || true; }; }
quiet rustup target add wasm32-unknown-unknown
if ! rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1 \
  || ! rustup +"$NIGHTLY" component list --installed 2>/dev/null | grep -q rust-src; then
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src --target wasm32-unknown-unknown
fi
[ "${1:-}" = --tests ] || exit 0
quiet rustup component add clippy rustfmt
# Miri runs the guest library's native tests (scripts/miri.sh).
if ! rustup +"$NIGHTLY" component list --installed 2>/dev/null | grep -q '^miri'; then
  rustup component add miri --toolchain "$NIGHTLY"
fi
# The web runtime's tests run in Node (worker_threads, shared WebAssembly memory,
# process.getBuiltinModule): Node 20.16 or newer.
if ! node -e 'process.exit(typeof process.getBuiltinModule === "function" ? 0 : 1)' 2>/dev/null; then
  echo "setup: Node.js 20.16 or newer is needed for the web runtime's tests (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
# `trace --memory` needs WebAssembly multi-memory, which Node has from version 22: where the
# machine's Node is older, the trace tests run on Node 22 from the package registry
# (node-<platform>-<arch>, about 30 MB), installed into target/node22.
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)'; then
  node_pkg="node-$(node -p 'process.platform + "-" + process.arch')"
  if [ ! -x "target/node22/node_modules/$node_pkg/bin/node" ]; then
    echo "setup: installing Node.js 22 ($node_pkg) into target/node22 for the trace tests" >&2
    npm install --silent --no-save --no-package-lock --prefix target/node22 "$node_pkg@22" >/dev/null
  fi
fi
# The npm package's tests (host/tests/npm.rs) type-check its declarations with TypeScript (and
# Node's types for the test program) and build an app with Vite: into target/npm-tools.
if [ ! -f target/npm-tools/node_modules/typescript/bin/tsc ] || [ ! -d target/npm-tools/node_modules/@types/node ] \
  || [ ! -f target/npm-tools/node_modules/vite/bin/vite.js ]; then
  echo "setup: installing TypeScript and Vite into target/npm-tools for the npm package's tests" >&2
  npm install --silent --no-save --no-package-lock --prefix target/npm-tools typescript@5 @types/node@22 vite@8 >/dev/null
fi
# The web runtime's browser tests run in headless Chromium: Debian's package (about 100 MB),
# driven over the DevTools protocol without any npm package. $CHROMIUM overrides the path.
if [ -z "${CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian's chromium for the browser tests" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  if ! { $SUDO apt-get install -y -q chromium >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium >/dev/null; }; }; then
    echo "setup: could not install chromium with apt-get; install it (or set CHROMIUM to a Chromium binary)" >&2
    exit 1
  fi
fi
