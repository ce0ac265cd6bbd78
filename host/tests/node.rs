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

/// `trace` on the web runtime in Node: the checks every host passes, on traces recorded by
/// the workers and converted by the tool module (`WTHREADS_TOOL`).
mod traces {
    use std::process::Command;

    fn trace_command() -> Command {
        let mut cmd = super::command();
        cmd.env("WTHREADS_TOOL", wthreads_guest_tests::WEB_TOOL);
        cmd
    }

    const HOST: &str = "node";

    /// Node's engine takes a second memory (each thread's access buffer) from Node.js 22 on;
    /// before, `--memory` is refused with a message naming what it needs.
    fn memory_refusal() -> Option<&'static str> {
        let out = Command::new("node").arg("--version").output().expect("node runs");
        let version = String::from_utf8_lossy(&out.stdout);
        let major: u32 = version.trim().trim_start_matches('v').split('.').next().unwrap().parse().unwrap();
        (major < 22).then_some("tracing memory accesses needs WebAssembly multi-memory")
    }

    include!("common/trace_checks.rs");
}
