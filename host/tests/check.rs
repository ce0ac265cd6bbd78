//! `wthreads check` on the native host: a racy program's race is reported, ThreadSanitizer's
//! way, while the program runs, and the status is 66; programs that synchronise correctly run
//! clean with their own status; a module that cannot run is refused as `run` refuses it.

use std::process::Command;

/// `wthreads check MODULE --invoke NAME`.
fn check_command(module: &str, name: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wthreads"));
    cmd.args(["check", module, "--invoke", name]);
    cmd
}

include!("common/corpus.rs");
include!("common/check_clean.rs");

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_race_is_reported_with_both_accesses_and_status_66() {
    let o = check_program(wthreads_guest_tests::PROGRAMS, "test_racy_counter", &[]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(wthreads_host::EXIT_RACE), "{err}");
    // The program ran as under `run`.
    let counter = out.lines().find_map(|l| l.strip_prefix("counter at ")).unwrap_or_else(|| panic!("{out}"));
    let report = err.split("WARNING: data race\n").find(|r| r.contains(&format!("bytes at {counter} by thread")));
    let report = report.unwrap_or_else(|| panic!("no race reported on the counter at {counter}:\n{err}"));
    let lines: Vec<&str> = report.lines().collect();
    assert!(lines.len() >= 4, "{report}");
    assert!(
        lines[0].starts_with("  Read of 4 bytes at ") || lines[0].starts_with("  Write of 4 bytes at "),
        "{report}"
    );
    assert!(lines[1].starts_with("    at ") && lines[3].starts_with("    at "), "{report}");
    assert!(lines[2].starts_with("  Previous write of 4 bytes at "), "{report}");
    let threads: Vec<&str> = [lines[0], lines[2]].iter().map(|l| l.split("by thread ").nth(1).unwrap()).collect();
    assert_ne!(threads[0], threads[1], "{report}");
    assert!(err.ends_with(" data races reported\n") || err.ends_with(" data race reported\n"), "{err}");
}

#[test]
fn a_trap_keeps_its_status_and_a_bad_module_is_refused() {
    let o = check_program(wthreads_guest_tests::PROGRAMS, "test_main_panics", &[]);
    assert_eq!(o.status.code(), Some(wthreads_host::EXIT_TRAP), "{}", text(&o.stderr));
    let o = check_program(wthreads_guest_tests::PROGRAMS, "no_such_export", &[]);
    assert_eq!(o.status.code(), Some(wthreads_host::EXIT_MODULE), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("no_such_export"), "{}", text(&o.stderr));
}
