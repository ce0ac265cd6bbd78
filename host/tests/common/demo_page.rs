// The demo page (`web/demo/`) used as a user would, shared by `chromium.rs` and `firefox.rs`,
// which define `BROWSER` (`WTHREADS_BROWSER`) and `web_tool()`.

/// `node web/tools/page-check.mjs ARGS…`: drives the demo page in this file's `BROWSER`; returns
/// its JSON report.
fn page_check(args: &[&str]) -> String {
    let out = Command::new("node")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/page-check.mjs"))
        .args(args)
        .env("WTHREADS_BROWSER", BROWSER)
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
/// 2-thread times (medians of 3 runs) and the speedup, draws exactly the image the native host
/// renders with which thread computed each row beside it, and links to the README. Its
/// screenshot is kept in the test's temporary directory.
#[test]
fn demo_page_draws_the_native_image() {
    let (width, height): (u32, u32) = (320, 240);
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("web-demo-{BROWSER}.png"));
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
    assert!(status.contains(" ms (median of 3 runs), "), "{status}");
    assert!(report.contains(r#""results":[{"threads":1,"width":320,"height":240,"ms":"#), "{report}");
    assert!(report.contains(r#"{"threads":2,"width":320,"height":240,"ms":"#), "{report}");
    let parsed: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert!(parsed["results"].as_array().unwrap().iter().all(|r| r["samples"] == 3), "{report}");
    // Which thread computed each row: a colour per thread, and both threads took rows.
    let rows: Vec<u64> = parsed["rows"].as_array().unwrap().iter().map(|t| t.as_u64().unwrap()).collect();
    assert_eq!(rows.len(), height as usize, "{report}");
    assert!(rows.contains(&0) && rows.contains(&1) && rows.iter().all(|&t| t < 2), "{rows:?}");
    assert_eq!(parsed["rowColours"], 2, "{report}");
    assert_eq!(parsed["readme"], "# wthreads\n\nReal thr", "the page's README link: {report}");

    let wasm = std::fs::read(wthreads_guest_tests::MANDELBROT).unwrap();
    let rt = wthreads_host::Runtime::load(&wasm, wthreads_host::Builder::new()).unwrap();
    let mut main = rt.main_thread().unwrap();
    let ptr: u32 = main.call("render", (width, height, 2_u32)).unwrap();
    let native = main.read(ptr, width * height).unwrap();
    let drawn = base64_decode(json_str(&report, "pixels"));
    assert_eq!(drawn.len(), native.len());
    let differing = drawn.iter().zip(&native).filter(|(a, b)| a != b).count();
    assert_eq!(differing, 0, "the page drew {differing} pixels that differ from the native rendering");

    // The screenshot is a real picture of the page: a PNG of the viewport (the 1280x900
    // window less what a headless browser keeps of its frame), and not blank.
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
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("web-demo-timeline-{BROWSER}.png"));
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

