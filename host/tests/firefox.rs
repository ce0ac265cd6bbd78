//! Runs every guest program on the web runtime in headless Firefox (Debian's `firefox-esr`,
//! installed by scripts/setup.sh, driven over WebDriver BiDi by puppeteer-core through
//! `web/tools/browser-run.mjs` with `WTHREADS_BROWSER=firefox`): the same page as in Chromium,
//! with the same expectations as on the native host (`common/guest_expectations.rs`).

use std::process::Command;

/// `node web/tools/browser-run.mjs` in Firefox, which mirrors `wthreads run` inside a page.
fn command() -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/browser-run.mjs")).env("WTHREADS_BROWSER", "firefox");
    cmd
}

/// Firefox's workers have native stacks deep enough for the 8 MiB stack test.
const ENGINE_CALL_STACK_LIMIT: Option<&str> = None;

include!("common/guest_expectations.rs");
include!("common/modules.rs");
include!("common/web.rs");
