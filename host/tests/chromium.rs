//! Runs every guest program on the web runtime in headless Chromium (Debian's `chromium`,
//! installed by scripts/setup.sh, driven over the DevTools protocol by
//! `web/tools/browser-run.mjs`): a cross-origin isolated page served on loopback runs the
//! module with one Web Worker per guest thread, with the same expectations as on the native
//! host (`common/guest_expectations.rs`).

use std::process::Command;

/// `node web/tools/browser-run.mjs`, which mirrors `wthreads run` inside a Chromium page.
fn command() -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/browser-run.mjs"));
    cmd
}

/// Chromium gives each Web Worker a fixed native stack, which bounds nested wasm calls whatever
/// the guest's shadow stack size (`--js-flags=--stack-size` does not raise it).
const ENGINE_CALL_STACK_LIMIT: Option<&str> = Some("Maximum call stack size exceeded");

include!("common/guest_expectations.rs");
include!("common/modules.rs");
include!("common/web.rs");
include!("common/runtime_page.rs");

/// The browser of `WTHREADS_BROWSER` for the tools that open pages.
const BROWSER: &str = "chromium";

include!("common/demo_page.rs");

/// The README's web-demo command (`scripts/web-demo.sh`) builds what the page needs and serves
/// it: the page, opened in Chromium with `?autorun`, renders.
#[test]
fn the_web_demo_command_serves_a_page_that_renders() {
    let mut server = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/web-demo.sh"))
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its address, once it serves: "serving web/ cross-origin isolated at URL".
    let stdout = server.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            if let Some((_, url)) = line.split_once(" isolated at ") {
                tx.send(url.to_string()).ok();
            }
        }
    });
    let url = rx.recv_timeout(std::time::Duration::from_secs(600));
    let outcome = std::panic::catch_unwind(|| {
        let url = url.expect("scripts/web-demo.sh did not serve within 600 s");
        let out = Command::new("node")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/open-page.mjs"))
            .args([&url, "/demo/?autorun&size=320x240&threads=2", "--timeout", "120"])
            .output()
            .unwrap();
        let said = text(&out.stdout);
        assert!(out.status.success(), "{said}{}", text(&out.stderr));
        assert!(said.starts_with(r#"{"state":"done""#), "{said}");
    });
    server.kill().ok();
    server.wait().ok();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}

/// The latency benchmark of the web runtime (`web/tools/bench-latency.mjs`, run by the
/// `spawn_latency` example) works in Node and Chromium. Only that it runs and reports is
/// checked here: its figures are in docs/benchmarks.md, not in a timed test.
#[test]
fn latency_benchmark_runs() {
    let out = Command::new("node")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/bench-latency.mjs"))
        .args([wthreads_guest_tests::PROGRAMS, "20"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(
        rows[0].starts_with("| wthreads, Node ") && rows[1].starts_with("| wthreads, headless Chromium "),
        "{stdout}"
    );
    for row in rows {
        assert!(row.contains(" µs | ") && row.ends_with(" ms |"), "{row}");
    }
}

include!("common/web_tool.rs");

/// `node web/tools/browser-run.mjs check MODULE --invoke NAME`: the page records every access
/// and checks the run as it goes with the tool module; the runner prints the findings as they
/// come, as `wthreads check` does.
fn check_command(module: &str, name: &str) -> Command {
    let mut cmd = command();
    cmd.args(["check", module, "--invoke", name]).env("WTHREADS_TOOL", web_tool());
    cmd
}

include!("common/corpus.rs");
include!("common/check_clean.rs");

/// `check` in Chromium reports the racy counter's race with status 66 (the corpus,
/// `common/corpus.rs`, has the rest).
#[test]
fn check_in_chromium() {
    let out = check_program(wthreads_guest_tests::PROGRAMS, "test_racy_counter", &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(wthreads_host::EXIT_RACE), "{err}");
    assert!(err.starts_with("WARNING: data race\n"), "{err}");
    assert!(err.ends_with(" data races reported\n") || err.ends_with(" data race reported\n"), "{err}");
}

/// The tracing-cost benchmark (`web/tools/bench-trace.mjs --chromium`, run by the
/// `web_trace_cost` example) runs in a Chromium page and reports every row with all four
/// columns. Only that is checked here: its figures are in docs/benchmarks.md.
#[test]
fn tracing_cost_benchmark_runs_in_chromium() {
    let out = Command::new("node")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/bench-trace.mjs"))
        .args([wthreads_guest_tests::BENCH, "1", "--chromium"])
        .env("WTHREADS_TOOL", web_tool())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.starts_with("web runtime tracing cost, Chromium "), "{stdout}");
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| workload")).collect();
    assert_eq!(rows.len(), 8, "{stdout}");
    for row in rows {
        assert_eq!(row.matches(" | ").count(), 7, "run, trace, ratio, --memory, ratio, check, ratio: {row}");
    }
}

/// `trace` on the web runtime in Chromium: the checks every host passes, on traces recorded by
/// the page's workers (the page loads the tool module) and converted by it in the page.
mod traces {
    use std::process::Command;

    fn trace_command() -> Command {
        let mut cmd = super::command();
        cmd.env("WTHREADS_TOOL", super::web_tool());
        cmd
    }

    const HOST: &str = "chromium";

    include!("common/trace_checks.rs");
}

/// A deadlocked program ends in a Chromium page as on the native host: the page's watchdog
/// (the page never blocks) finds it, and the runner prints the report with status 102.
#[test]
fn deadlocks_end_with_102_in_chromium() {
    let run = |name: &str| {
        let out = command().args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", name]).output().unwrap();
        assert_eq!(out.status.code(), Some(wthreads_host::EXIT_DEADLOCK), "{name}: {}", text(&out.stderr));
        (text(&out.stdout), text(&out.stderr))
    };
    let (out, err) = run("deadlock_abba");
    let a = out.split("A at ").nth(1).and_then(|r| r.split(',').next()).unwrap_or_else(|| panic!("{out}"));
    let b = out.split("B at ").nth(1).map(str::trim).unwrap_or_else(|| panic!("{out}"));
    let main = format!("thread 1 'main' waits for the mutex at {b}, held by thread 2\n    in deadlock_abba\n");
    let other = format!("thread 2 'backward' waits for the mutex at {a}, held by thread 1\n");
    assert!(err.contains(&main) && err.contains(&other), "{err}");
    let (_, err) = run("deadlock_join");
    assert!(err.contains("thread 1 'main' waits to join thread 2\n    in deadlock_join\n"), "{err}");
    assert!(err.contains("thread 2 'waiter' waits on the condition variable at 0x"), "{err}");
}
