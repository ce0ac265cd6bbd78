//! `wthreads trace` on the native host: the checks every host passes
//! (`common/trace_checks.rs`), and the timeline picture the README shows.

use std::process::Command;

/// `wthreads`, the native host's command line.
fn trace_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wthreads"))
}

/// This host's name, for its scratch directory.
const HOST: &str = "native";

include!("common/trace_checks.rs");

/// `--html`: the timeline of the producer/consumer program (a main thread and eight workers on
/// one mutex and condvar) has a row per thread, lock holds and waits with their events in
/// their titles, spawn and join arrows and a legend; headless Chromium renders it to a picture
/// that is not blank (`BLESS=1` copies it to docs/timeline.png, which the README shows).
#[test]
fn timeline_picture() {
    let html = scratch("timeline", "html");
    let json = scratch("timeline", "json");
    let args = ["--html", html.to_str().unwrap(), "-o", json.to_str().unwrap()];
    let out = trace_run(wthreads_guest_tests::PROGRAMS, "test_condvar_producer_consumer", &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    for needle in [
        "<svg",
        "main (1)",
        "thread 9",
        "holds lock 0x",
        "waits for lock 0x",
        "condvar wait on 0x",
        "spawn: thread 1",
        "join: thread",
        "runtime's own lock",
    ] {
        assert!(page.contains(needle), "no `{needle}` in the timeline");
    }
    let png = scratch("timeline", "png");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let shot = std::process::Command::new(&chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,640"])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap_or_else(|e| panic!("{chromium} (scripts/setup.sh installs it, or set CHROMIUM): {e}"));
    assert!(shot.status.success(), "chromium: {}", text(&shot.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1400, 640));
    // The picture shows the bars: many pixels are neither white nor grey.
    let bytes = info.color_type.samples();
    let coloured = pixels[..info.buffer_size()]
        .chunks(bytes)
        .filter(|p| {
            let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
            (r - g).abs() + (g - b).abs() + (r - b).abs() > 60
        })
        .count();
    assert!(coloured > 5_000, "the picture is nearly blank ({coloured} coloured pixels)");
    if std::env::var_os("BLESS").is_some() {
        std::fs::copy(&png, concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/timeline.png")).unwrap();
    }
}
