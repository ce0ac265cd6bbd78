//! Runs every guest program on the web runtime in headless Firefox (Debian's `firefox-esr`,
//! installed by scripts/setup.sh, driven over WebDriver BiDi by puppeteer-core through
//! `web/tools/browser-run.mjs` with `WTHREADS_BROWSER=firefox`): the same page as in Chromium,
//! with the same expectations as on the native host (`common/guest_expectations.rs`); and, as
//! in Chromium, the demo page, the persistent runtime's page and `check`'s corpus (the corpus's
//! verdicts; that every other program runs clean under `check` is Chromium's and Node's test).

use std::process::Command;

/// `node web/tools/browser-run.mjs` in Firefox, which mirrors `wthreads run` inside a page.
fn command() -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/browser-run.mjs")).env("WTHREADS_BROWSER", BROWSER);
    cmd
}

/// Firefox's workers have native stacks deep enough for the 8 MiB stack test.
const ENGINE_CALL_STACK_LIMIT: Option<&str> = None;

include!("common/guest_expectations.rs");
include!("common/modules.rs");
include!("common/web.rs");
include!("common/runtime_page.rs");
include!("common/demo_page.rs");
include!("common/web_tool.rs");

/// The browser of `WTHREADS_BROWSER` for the tools that open pages.
const BROWSER: &str = "firefox";

/// `node web/tools/browser-run.mjs check MODULE --invoke NAME` in Firefox: the page records
/// every access and checks the run as it goes with the tool module.
fn check_command(module: &str, name: &str) -> Command {
    let mut cmd = command();
    cmd.args(["check", module, "--invoke", name]).env("WTHREADS_TOOL", web_tool());
    cmd
}

include!("common/corpus.rs");
