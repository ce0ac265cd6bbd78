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

/// `node web/tools/page-check.mjs ARGS…`: drives the demo page in Chromium; returns its JSON report.
fn page_check(args: &[&str]) -> String {
    let out = Command::new("node")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/page-check.mjs"))
        .args(args)
        .output()
        .expect("node starts");
    assert!(out.status.success(), "page-check {args:?} failed:\n{}", text(&out.stderr));
    text(&out.stdout)
}

/// The string value of `"key":"…"` in a flat JSON report (no escapes in the values read here).
fn json_str<'a>(json: &'a str, key: &str) -> &'a str {
    let start = json.find(&format!("\"{key}\":\"")).unwrap_or_else(|| panic!("no {key} in {json}")) + key.len() + 4;
    &json[start..start + json[start..].find('"').unwrap()]
}

/// Standard base64 (the page's `btoa`).
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let data: Vec<u8> = chunk.iter().copied().filter(|&c| c != b'=').collect();
        let bits = data.iter().fold(0u32, |acc, &c| acc << 6 | value(c)) << (6 * (4 - data.len()));
        out.extend_from_slice(&bits.to_be_bytes()[1..data.len()]);
    }
    out
}

/// The demo page, used as a user would (thread count, Render button), shows the 1-thread and
/// 2-thread times and the speedup, and draws exactly the image the native host renders. Its
/// screenshot is kept in the test's temporary directory.
#[test]
fn demo_page_in_chromium() {
    let (width, height) = (320, 240);
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-demo.png");
    let _ = std::fs::remove_file(&shot);
    let report = page_check(&[
        "demo",
        wthreads_guest_tests::MANDELBROT,
        shot.to_str().unwrap(),
        "--size",
        &format!("{width}x{height}"),
        "--threads",
        "2",
    ]);
    assert_eq!(json_str(&report, "state"), "done", "{report}");
    let status = json_str(&report, "status");
    assert!(status.starts_with("2 threads: ") && status.ends_with("the speed of 1 thread"), "{status}");
    assert!(report.contains(r#""results":[{"threads":1,"width":320,"height":240,"ms":"#), "{report}");
    assert!(report.contains(r#"{"threads":2,"width":320,"height":240,"ms":"#), "{report}");

    let wasm = std::fs::read(wthreads_guest_tests::MANDELBROT).unwrap();
    let rt = wthreads_host::Runtime::load(&wasm, wthreads_host::Options::default()).unwrap();
    let mut main = rt.main_thread().unwrap();
    let ptr = main.call("render", &[width, height, 2]).unwrap();
    let native = main.read(ptr, width * height).unwrap();
    let drawn = base64_decode(json_str(&report, "pixels"));
    assert_eq!(drawn.len(), native.len());
    let differing = drawn.iter().zip(&native).filter(|(a, b)| a != b).count();
    assert_eq!(differing, 0, "the page drew {differing} pixels that differ from the native rendering");

    // The screenshot is a real picture of the page: a PNG of the viewport (the 1280x900
    // window less what headless Chromium keeps of its frame), and not blank.
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert!(info.width == 1280 && (600..=900).contains(&info.height), "{}x{}", info.width, info.height);
    let dark = buf.chunks(info.line_size / info.width as usize).filter(|px| px[0] < 32).count();
    assert!(dark > 5_000, "the screenshot shows no picture ({dark} dark pixels): {}", shot.display());
}

/// The demo page's Timeline button renders traced and shows the timeline page that the trace
/// tool, loaded and run in the page, makes of the browser's trace: a row for main and for each
/// of the render's threads, their spawn and join arrows, and the locks they took.
#[test]
fn demo_page_shows_a_timeline() {
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-demo-timeline.png");
    let report = page_check(&[
        "timeline",
        wthreads_guest_tests::MANDELBROT,
        shot.to_str().unwrap(),
        "--tool",
        web_tool(),
        "--size",
        "320x240",
        "--threads",
        "3",
    ]);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap_or_else(|e| panic!("{e}: {report}"));
    assert_eq!(report["state"], "done", "{report}");
    assert!(report["status"].as_str().is_some_and(|s| s.starts_with("traced: ")), "{report}");
    let html = report["timeline"].as_str().unwrap_or_else(|| panic!("no timeline: {report}"));
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg "), "{html}");
    let rows: Vec<&str> = html.match_indices(r#"<text x="4" "#).map(|(i, _)| &html[i..i + 60]).collect();
    assert_eq!(rows.len(), 4, "a row for main and each of 3 threads: {rows:?}");
    let arrows = html.matches("marker-end=").count();
    assert!(arrows >= 6, "{arrows} arrows: 3 spawns and 3 joins at least");
    assert!(html.contains("first taken at"), "no lock in the timeline's key");
}

/// A page served without the isolation headers says so, naming the headers to send.
#[test]
fn page_not_isolated_reports_clearly() {
    let report = page_check(&["isolation", wthreads_guest_tests::MANDELBROT]);
    assert_eq!(json_str(&report, "state"), "error", "{report}");
    let status = json_str(&report, "status");
    assert!(status.contains("not cross-origin isolated"), "{status}");
    assert!(report.contains("Cross-Origin-Opener-Policy: same-origin"), "{report}");
    assert!(report.contains("Cross-Origin-Embedder-Policy: require-corp"), "{report}");
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
