//! `wthreads check` on the native host: a racy program's race is reported, ThreadSanitizer's
//! way, and the status is 66; programs that synchronise correctly run clean with their own
//! status; a module that cannot run is refused as `run` refuses it.

use std::process::{Command, Output};

fn check(invoke: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wthreads"))
        .args(["check", wthreads_guest_tests::PROGRAMS, "--invoke", invoke])
        .output()
        .expect("the wthreads binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_race_is_reported_with_both_accesses_and_status_66() {
    let o = check("test_racy_counter");
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

/// Two threads that took two locks in opposite orders, one after the other: the run could not
/// deadlock, but another could; reported with the cycle and, for each edge, who took the locks
/// where.
#[test]
fn a_lock_order_inversion_is_reported_with_its_cycle() {
    let o = check("test_lock_order_inversion");
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(wthreads_host::EXIT_RACE), "{err}");
    let locks = out.lines().find_map(|l| l.strip_prefix("locks at ")).unwrap_or_else(|| panic!("{out}"));
    let (first, second) = locks.split_once(" and ").unwrap();
    let report =
        err.split("WARNING: lock-order inversion (potential deadlock)\n").nth(1).unwrap_or_else(|| panic!("{err}"));
    let lines: Vec<&str> = report.lines().collect();
    let (low, high) = if first < second { (first, second) } else { (second, first) };
    assert_eq!(lines[0], format!("  Cycle in lock order graph: M0 ({low}) => M1 ({high}) => M0"), "{report}");
    assert!(lines[1].starts_with("  M1 acquired by thread ") && lines[1].ends_with(" while holding M0:"), "{report}");
    assert!(lines[2].starts_with("    M0 taken at ") && lines[3].starts_with("    M1 taken at "), "{report}");
    assert!(lines[4].starts_with("  M0 acquired by thread ") && lines[4].ends_with(" while holding M1:"), "{report}");
    assert!(lines[2].contains("+0x") && lines[5].starts_with("    M1 taken at "), "{report}");
    assert!(err.ends_with("wthreads check: 1 lock-order inversion reported\n"), "{err}");
    assert!(!err.contains("WARNING: data race"), "{err}");
}

#[test]
fn programs_that_synchronise_run_clean() {
    for name in
        ["test_mutex_counter", "test_condvar_producer_consumer", "test_channel_many_producers", "test_scope_borrows"]
    {
        let o = check(name);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{name}: {err}");
        assert!(!err.contains("WARNING"), "{name}: {err}");
    }
}

#[test]
fn a_trap_keeps_its_status_and_a_bad_module_is_refused() {
    let o = check("test_main_panics");
    assert_eq!(o.status.code(), Some(wthreads_host::EXIT_TRAP), "{}", text(&o.stderr));
    let o = check("no_such_export");
    assert_eq!(o.status.code(), Some(wthreads_host::EXIT_MODULE), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("no_such_export"), "{}", text(&o.stderr));
}
