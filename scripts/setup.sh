#!/usr/bin/env bash
# Installs what building wthreads needs, on a machine with only rustup: the wasm32 target and the
# pinned nightly with rust-src for the std guests (-Zbuild-std), which the demo builds too.
# `--tests` adds what only the tests need: clippy and rustfmt, Miri, a check that Node.js (20.16+)
# is there for the web runtime, Node.js 22 for its trace tests if the machine's is older,
# TypeScript and Vite for its package, wasm-bindgen's command line for the wasm-bindgen example,
# Debian's chromium and firefox-esr (driven by puppeteer-core) for its browser tests, and
# Debian's valgrind for the benchmark suite's instruction counts.
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
# Node's types for the test program) and build an app with Vite; the Firefox tests drive it
# with puppeteer-core (WebDriver BiDi): into target/npm-tools.
NPM_TOOLS="typescript@5 @types/node@22 vite@8 puppeteer-core@24"
if [ ! -f target/npm-tools/node_modules/typescript/bin/tsc ] || [ ! -d target/npm-tools/node_modules/@types/node ] \
  || [ ! -f target/npm-tools/node_modules/vite/bin/vite.js ] || [ ! -f target/npm-tools/node_modules/puppeteer-core/package.json ]; then
  echo "setup: installing $NPM_TOOLS into target/npm-tools for the web runtime's tests" >&2
  # shellcheck disable=SC2086 # one word per package
  npm install --silent --no-save --no-package-lock --prefix target/npm-tools $NPM_TOOLS >/dev/null
fi
# The wasm-bindgen example (guest-tests/bindgen, host/tests/bindgen.rs) is built as its users
# build it, with wasm-bindgen's command line of the version its crate pins: into
# target/wasm-bindgen-cli (a build of a few minutes, once).
WASM_BINDGEN=0.2.130
if [ "$(target/wasm-bindgen-cli/bin/wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN" ]; then
  echo "setup: building wasm-bindgen-cli $WASM_BINDGEN into target/wasm-bindgen-cli for the wasm-bindgen example" >&2
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN" --root target/wasm-bindgen-cli
fi
# The web runtime's browser tests run in headless Chromium: Debian's package (about 100 MB),
# driven over the DevTools protocol without any npm package. $CHROMIUM overrides the path.
# Debian's packages of the two browsers: chromium and firefox-esr.
apt_install() {
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  if ! { $SUDO apt-get install -y -q "$1" >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "$1" >/dev/null; }; }; then
    echo "setup: could not install $1 with apt-get; install it (or set $2 to its binary)" >&2
    exit 1
  fi
}
if [ -z "${CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian's chromium for the browser tests" >&2
  apt_install chromium CHROMIUM
fi
# The same tests run in headless Firefox: Debian's firefox-esr (about 250 MB).
if [ -z "${FIREFOX:-}" ] && [ ! -x /usr/bin/firefox-esr ]; then
  echo "setup: installing Debian's firefox-esr for the browser tests" >&2
  apt_install firefox-esr FIREFOX
fi
# The benchmark suite counts instructions per lock operation with Valgrind's callgrind (its
# test runs the suite once): Debian's valgrind (about 70 MB).
if [ -z "${VALGRIND:-}" ] && ! command -v valgrind >/dev/null; then
  echo "setup: installing Debian's valgrind for the benchmark suite's instruction counts" >&2
  apt_install valgrind VALGRIND
fi
