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

/// `node host/tests/runtime/node.mjs PROGRAMS`: the persistent runtime's test in Node.
fn runtime_calls() -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/runtime/node.mjs")).arg(wthreads_guest_tests::PROGRAMS);
    cmd
}

/// Closing a runtime ends its workers: the process's threads (8 pooled workers, one of them
/// running a thread that waits, and the main one) come back to as many as before it was made.
#[test]
fn closing_a_runtime_ends_its_workers() {
    let mut cmd = Command::new("node");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/runtime/close.mjs")).arg(wthreads_guest_tests::PROGRAMS);
    let out = wthreads_guest_tests::output_within(&mut cmd, std::time::Duration::from_secs(60), "close.mjs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json::Value = serde_json::from_str(&said).unwrap_or_else(|e| panic!("{e}: {said}"));
    let count = |key: &str| seen[key].as_u64().unwrap_or_else(|| panic!("{key}: {seen}"));
    assert!(count("open") >= count("before") + 9, "the workers are threads of the process: {seen}");
    // (One thread of slack: Node may start a helper of its own meanwhile.)
    assert!(count("closed") <= count("before") + 1, "threads left after close: {seen}");
}

include!("common/web_tool.rs");

include!("common/trace_node.rs");

/// `trace --memory` on an engine without multi-memory (Node 20, or a newer one with it turned
/// off) is refused with a message naming what it needs and the status of a module that cannot
/// run, and leaves no trace.
#[test]
fn memory_tracing_needs_multi_memory() {
    let out_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-multi-memory.json");
    std::fs::remove_file(&out_file).ok();
    let out = Command::new(trace_node())
        .arg("--no-experimental-wasm-multi-memory")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/cli.mjs"))
        .args(["trace", wthreads_guest_tests::PROGRAMS, "--invoke", "test_racy_counter", "--memory", "-o"])
        .arg(&out_file)
        .env("WTHREADS_TOOL", web_tool())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(wthreads_host::EXIT_MODULE), "{err}");
    assert!(err.contains("tracing memory accesses needs WebAssembly multi-memory"), "{err}");
    assert!(err.contains("Node.js 22 or later"), "{err}");
    assert!(!out_file.exists(), "a refused run left a trace");
}

/// A tool module that is missing or is not the tool gets a message naming the place, what is
/// wrong and how to build it, and the status of a module that cannot run, before anything runs.
#[test]
fn trace_tool_errors_are_clear() {
    let missing = "/no/such/wthreads-tool.wasm";
    for (tool, problem) in [
        (missing, "no such file"),
        (
            wthreads_guest_tests::PROGRAMS,
            "it is not the wthreads trace tool (it does not export `wthreads_tool_formats`)",
        ),
    ] {
        let out = command()
            .args(["trace", wthreads_guest_tests::PROGRAMS, "--invoke", "test_racy_counter", "-o", "-"])
            .env("WTHREADS_TOOL", tool)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(wthreads_host::EXIT_MODULE), "{err}");
        assert!(err.contains(&format!("cannot load the trace tool module from {tool}: ")), "{err}");
        assert!(err.to_lowercase().contains(problem), "{err}");
        assert!(err.contains("scripts/web-tool.sh builds it"), "{err}");
        assert!(out.stdout.is_empty(), "the program ran without its tool");
    }
}

/// `node web/cli.mjs check PROGRAMS --invoke NAME` in Node 22 (it records every access).
fn check_command(module: &str, name: &str) -> Command {
    let mut cmd = Command::new(trace_node());
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/cli.mjs"))
        .args(["check", module, "--invoke", name])
        .env("WTHREADS_TOOL", web_tool());
    cmd
}

include!("common/corpus.rs");
include!("common/check_clean.rs");

/// `node web/cli.mjs check` reports the racy counter's race as `wthreads check` does, with
/// status 66, after the program's own output (the corpus, `common/corpus.rs`, has the rest).
#[test]
fn check_reports_races() {
    let out = check_program(wthreads_guest_tests::PROGRAMS, "test_racy_counter", &[]);
    let (stdout, err) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(wthreads_host::EXIT_RACE), "{err}");
    let counter = stdout.lines().find_map(|l| l.strip_prefix("counter at ")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(err.starts_with("WARNING: data race\n"), "{err}");
    assert!(err.contains(&format!(" of 4 bytes at {counter} by thread ")), "no race on the counter: {err}");
    assert!(err.contains("  Previous write of 4 bytes at "), "{err}");
    assert!(err.ends_with(" data races reported\n") || err.ends_with(" data race reported\n"), "{err}");
}

/// The web runtime's tracing-cost benchmark (`web/tools/bench-trace.mjs`, run by the
/// `web_trace_cost` example) runs in Node 22 and reports every row with all four columns. Only
/// that is checked here: its figures are in docs/benchmarks.md, not in a timed test.
#[test]
fn tracing_cost_benchmark_runs() {
    let out = Command::new(trace_node())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/bench-trace.mjs"))
        .args([wthreads_guest_tests::BENCH, "1"])
        .env("WTHREADS_TOOL", web_tool())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| workload")).collect();
    assert_eq!(rows.len(), 8, "{stdout}");
    for row in rows {
        assert_eq!(row.matches(" | ").count(), 7, "run, trace, ratio, --memory, ratio, check, ratio: {row}");
    }
}

/// `trace` on the web runtime in Node: the checks every host passes, on traces recorded by
/// the workers and converted by the tool module.
mod traces {
    use std::process::Command;

    fn trace_command() -> Command {
        let mut cmd = Command::new(super::trace_node());
        cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/cli.mjs"));
        cmd.env("WTHREADS_TOOL", super::web_tool());
        cmd
    }

    const HOST: &str = "node";

    include!("common/trace_checks.rs");
}

/// A deadlocked program ends in Node as on the native host: status 102 and a report of what
/// each thread waits for, with the mutexes' holders and the functions they wait in (`run` in
/// the machine's Node, `check` in Node 22).
#[test]
fn deadlocks_end_with_102_and_a_report() {
    let run = |cmd: &mut Command, name: &str| {
        let out = cmd.args([wthreads_guest_tests::PROGRAMS, "--invoke", name]).output().unwrap();
        assert_eq!(out.status.code(), Some(wthreads_host::EXIT_DEADLOCK), "{name}: {}", text(&out.stderr));
        (text(&out.stdout), text(&out.stderr))
    };
    for (out, err) in [
        run(command().arg("run"), "deadlock_abba"),
        run(
            Command::new(trace_node())
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/cli.mjs"))
                .arg("check")
                .env("WTHREADS_TOOL", web_tool()),
            "deadlock_abba",
        ),
    ] {
        let a = out.split("A at ").nth(1).and_then(|r| r.split(',').next()).unwrap_or_else(|| panic!("{out}"));
        let b = out.split("B at ").nth(1).map(str::trim).unwrap_or_else(|| panic!("{out}"));
        assert!(err.starts_with("deadlock: all 2 live threads of the program are blocked"), "{err}");
        let main = format!("thread 1 'main' waits for the mutex at {b}, held by thread 2\n    in deadlock_abba\n");
        let other = format!("thread 2 'backward' waits for the mutex at {a}, held by thread 1\n    in ");
        assert!(err.contains(&main) && err.contains(&other), "{err}");
    }
    let (_, err) = run(command().arg("run"), "deadlock_join");
    assert!(err.contains("thread 1 'main' waits to join thread 2\n    in deadlock_join\n"), "{err}");
    assert!(err.contains("thread 2 'waiter' waits on the condition variable at 0x"), "{err}");
    let (_, err) = run(command().arg("run"), "deadlock_relock");
    assert!(err.contains("waits for the mutex at 0x") && err.contains(", which it holds itself\n"), "{err}");
    let (_, err) = run(command().arg("run"), "deadlock_dead_sender");
    assert!(
        err.contains("thread 2 'sender' trapped") && err.contains("thread 1 'main' waits on the condition variable"),
        "{err}"
    );
}
