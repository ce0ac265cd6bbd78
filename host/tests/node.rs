//! Runs every guest program on the web runtime in Node (`node web/cli.mjs`, one worker_threads
//! Worker per guest thread) with the same expectations as on the native host
//! (`common/guest_expectations.rs`).

use std::process::Command;

/// `node web/cli.mjs`, the web runtime's command line, which mirrors `wthreads run`.
fn command() -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/cli.mjs"));
    cmd
}

/// Node's workers have native stacks deep enough for the 8 MiB stack test.
const ENGINE_CALL_STACK_LIMIT: Option<&str> = None;

include!("common/guest_expectations.rs");

include!("common/modules.rs");
include!("common/web.rs");
