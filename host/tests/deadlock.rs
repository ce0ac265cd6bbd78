//! Deadlocks on the native host: a program whose live threads all wait for good ends with
//! status 102 and a report that names, for each thread, what it waits for (a mutex with its
//! holder, a join, a condition variable, a park) and the function it waits in; under `check`
//! and `trace` too.

use std::process::{Command, Output};

fn wthreads(command: &str, invoke: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wthreads"))
        .args([command, wthreads_guest_tests::PROGRAMS, "--invoke", invoke])
        .output()
        .expect("the wthreads binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `invoke` with `command`, asserts status 102, and returns (stdout, stderr).
fn deadlocked(command: &str, invoke: &str) -> (String, String) {
    let o = wthreads(command, invoke);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(wthreads_host::EXIT_DEADLOCK), "{command} {invoke}:\n{out}\n{err}");
    (out, err)
}

/// The value printed after `label` in `out` ("A at 0x…, B at 0x…").
fn printed<'a>(out: &'a str, label: &str) -> &'a str {
    let rest = out.split(label).nth(1).unwrap_or_else(|| panic!("no {label:?} in {out}"));
    rest.split([',', '\n']).next().unwrap()
}

/// Both threads wait for the mutex the other holds: each line names the mutex, its holder, and
/// the program's function the thread waits in.
fn assert_abba_report(out: &str, err: &str) {
    let (a, b) = (printed(out, "A at "), printed(out, "B at "));
    assert!(err.starts_with("deadlock: all 2 live threads of the program are blocked"), "{err}");
    let main = format!("thread 1 'main' waits for the mutex at {b}, held by thread 2\n    in deadlock_abba+0x");
    let other = format!("thread 2 'backward' waits for the mutex at {a}, held by thread 1\n    in ");
    assert!(err.contains(&main) && err.contains(&other), "{err}");
}

#[test]
fn two_threads_that_wait_for_each_others_mutex() {
    let (out, err) = deadlocked("run", "deadlock_abba");
    assert_abba_report(&out, &err);
}

#[test]
fn a_thread_that_locks_a_mutex_it_holds() {
    let (out, err) = deadlocked("run", "deadlock_relock");
    let m = printed(&out, "M at ");
    let line = format!("thread 1 'main' waits for the mutex at {m}, which it holds itself\n    in deadlock_relock+0x");
    assert!(err.starts_with("deadlock: the program's only live thread is blocked"), "{err}");
    assert!(err.contains(&line), "{err}");
}

#[test]
fn a_join_of_a_thread_that_waits_on_a_condvar() {
    let (out, err) = deadlocked("run", "deadlock_join");
    let cv = printed(&out, "condvar at ");
    assert!(err.contains("thread 1 'main' waits to join thread 2\n    in deadlock_join+0x"), "{err}");
    assert!(err.contains(&format!("thread 2 'waiter' waits on the condition variable at {cv}\n")), "{err}");
}

/// Issue 13's open item: a receiver whose sender trapped never sees the channel disconnected;
/// the program ends with the trap's message and the report instead of hanging.
#[test]
fn a_receiver_whose_sender_trapped() {
    let (_, err) = deadlocked("run", "deadlock_dead_sender");
    assert!(err.contains("thread 2 'sender' trapped"), "{err}");
    assert!(err.contains("thread 1 'main' waits on the condition variable at 0x"), "{err}");
}

#[test]
fn a_park_that_nobody_unparks() {
    let (_, err) = deadlocked("run", "deadlock_park");
    assert!(
        err.contains("thread 1 'main' is parked (thread::park) and nobody unparks it\n    in deadlock_park"),
        "{err}"
    );
}

/// `check` reports the deadlock as `run` does (the trace's events say what each waits for);
/// the run has no data race, so the status is the deadlock's.
#[test]
fn check_reports_a_deadlock_with_102() {
    let (out, err) = deadlocked("check", "deadlock_abba");
    assert_abba_report(&out, &err);
}

/// `trace` ends the same way and still writes the trace.
#[test]
fn trace_of_a_deadlocked_program_is_written() {
    let path = std::env::temp_dir().join(format!("wthreads-deadlock-{}.json", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_wthreads"))
        .args(["trace", wthreads_guest_tests::PROGRAMS, "--invoke", "deadlock_relock", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(wthreads_host::EXIT_DEADLOCK), "{}", text(&o.stderr));
    let trace = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert!(trace.contains("\"traceEvents\""), "{trace}");
}

/// Two threads that wait for each other while the main thread still runs: their cycle is
/// reported (each with the mutex it waits for and its holder), and the program ends normally.
#[test]
fn a_cycle_among_some_threads_is_reported_while_others_run() {
    let o = wthreads("run", "deadlock_among_workers");
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{err}");
    let (c, d) = (printed(&out, "C at "), printed(&out, "D at "));
    assert!(err.starts_with("deadlock: threads 2, 3 wait for each other (other threads still run)\n"), "{err}");
    assert!(err.contains(&format!("waits for the mutex at {d}, held by thread 3")), "{err}");
    assert!(err.contains(&format!("waits for the mutex at {c}, held by thread 2")), "{err}");
    assert_eq!(err.matches("deadlock:").count(), 1, "reported once: {err}");
}
