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

/// `--trace-locks` on a guest built without the `trace-locks` feature says why nothing is
/// printed, as `wthreads run` does, and the program still runs.
#[test]
fn trace_locks_without_the_feature_says_so() {
    let o = command()
        .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "test_once_lock", "--trace-locks"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "stderr: {err}");
    assert!(err.contains("reports no lock events"), "stderr: {err}");
}
include!("common/modules.rs");
include!("common/web.rs");
