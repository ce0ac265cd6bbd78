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

/// The web runtime's copy of the ABI constants (`web/abi.mjs`) matches `wthreads::abi`.
#[test]
fn web_abi_constants_match() {
    use wthreads::abi;
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/abi.mjs")).unwrap();
    let value = |name: &str| -> i64 {
        let prefix = format!("export const {name} = ");
        let line = source.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("{name} missing"));
        line.trim_end_matches(';').parse().unwrap()
    };
    let expected: &[(&str, i64)] = &[
        ("ABI_VERSION", abi::ABI_VERSION.into()),
        ("MAIN_THREAD_ID", abi::MAIN_THREAD_ID.into()),
        ("JOIN_RETURNED", abi::JOIN_RETURNED.into()),
        ("JOIN_TRAPPED", abi::JOIN_TRAPPED.into()),
        ("WAIT_WOKEN", abi::WAIT_WOKEN.into()),
        ("WAIT_NOT_EQUAL", abi::WAIT_NOT_EQUAL.into()),
        ("WAIT_TIMED_OUT", abi::WAIT_TIMED_OUT.into()),
        ("FD_STDOUT", abi::FD_STDOUT.into()),
        ("FD_STDERR", abi::FD_STDERR.into()),
        ("ERR_NO_SUCH_THREAD", abi::ERR_NO_SUCH_THREAD.into()),
        ("ERR_JOIN_SELF", abi::ERR_JOIN_SELF.into()),
        ("ERR_ALREADY_JOINED", abi::ERR_ALREADY_JOINED.into()),
        ("ERR_THREAD_LIMIT", abi::ERR_THREAD_LIMIT.into()),
        ("ERR_OUT_OF_BOUNDS", abi::ERR_OUT_OF_BOUNDS.into()),
        ("ERR_MISALIGNED", abi::ERR_MISALIGNED.into()),
        ("ERR_BAD_FD", abi::ERR_BAD_FD.into()),
        ("ERR_SPAWN_FAILED", abi::ERR_SPAWN_FAILED.into()),
        ("ERR_INVALID_ARGUMENT", abi::ERR_INVALID_ARGUMENT.into()),
        ("EXIT_TRAP", wthreads_host::EXIT_TRAP.into()),
        ("EXIT_MODULE", wthreads_host::EXIT_MODULE.into()),
    ];
    for (name, want) in expected {
        assert_eq!(value(name), *want, "web/abi.mjs: {name}");
    }
}
