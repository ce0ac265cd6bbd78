//! Runs every guest program on the native host (the real `wthreads` binary) and checks what it
//! did; the expectations are shared with the web runtime's tests (`node.rs`).

use std::process::Command;

/// `wthreads`, the native host's command line.
fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wthreads"))
}

/// The native host gives each guest thread a native stack of its own size (`max_wasm_stack`).
const ENGINE_CALL_STACK_LIMIT: Option<&str> = None;

include!("common/guest_expectations.rs");
include!("common/modules.rs");

/// Runs the stress program (`guest-tests/programs/src/stress.rs`) with `--arg`s; returns its
/// exit code and stdout.
fn stress(seconds: u32, threads: u32, fault: u32) -> (Option<i32>, String) {
    let out = command()
        .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "stress"])
        .args(["--arg", &seconds.to_string(), "--arg", &threads.to_string(), "--arg", &fault.to_string()])
        .output()
        .expect("the runner starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), stdout + &String::from_utf8_lossy(&out.stderr))
}

/// The short version of the stress command: 16 threads of mixed operations for 3 s, every
/// invariant checked by the program (the long run is documented in the README).
#[test]
fn stress_short() {
    let (code, out) = stress(3, 16, 0);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("stress: every invariant held"), "{out}");
    assert!(out.contains("stress: 16 threads for 3 s"), "{out}");
}

/// Each check of the stress program fails on the bug planted for it.
#[test]
fn stress_detects_planted_bugs() {
    let (code, out) = stress(2, 4, 1);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("stress FAILED: lost update"), "{out}");
    let (code, out) = stress(1, 4, 2);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("stress FAILED: leak"), "{out}");
    let (code, out) = stress(1, 4, 3);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("stress FAILED: deadlock: worker-0, worker-1 made no progress"), "{out}");
}

/// A host thread the OS refuses to start — on Linux at ~11,000 live threads, when the process
/// runs out of memory mappings inside the new thread's start — comes back to the guest as
/// `ERR_SPAWN_FAILED`: the program lets its threads go, joins them, spawns again and exits 0
/// (before, the process aborted in Rust's or wasmtime's signal-stack setup).
#[test]
fn refused_host_thread_is_a_spawn_error() {
    let out = command()
        .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "spawn_until_refused", "--max-threads", "30000"])
        .output()
        .expect("the runner starts");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let maps = std::fs::read_to_string("/proc/sys/vm/max_map_count").unwrap_or_default();
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("until: the host could not create a thread (wthreads error -8)"),
        "expected the OS to refuse a thread before 30,000 (vm.max_map_count = {}):\n{stdout}",
        maps.trim()
    );
    let n: usize = stdout.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(n >= 1000, "only {n} threads started:\n{stdout}");
}

/// `hold_live_threads` (the program behind the README's memory per live thread) holds all its
/// threads alive at once and ends them cleanly on the native host too.
#[test]
fn hold_live_threads_runs() {
    let out = command()
        .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "hold_live_threads", "--arg", "200"])
        .output()
        .expect("the runner starts");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("200 threads were alive at once"));
}

/// Spawns reuse parked host threads and their instances: 200 spawn+join in a row start one
/// host thread, 4 at once start at most 4 (fewer when one ends before the next spawn), and the
/// guest sees fresh threads every time (the workloads check their own results). Dropping the
/// main thread lets the parked ones go.
#[test]
fn spawns_reuse_parked_host_threads() {
    let wasm = std::fs::read(wthreads_guest_tests::BENCH).unwrap();
    let rt = wthreads_host::Runtime::load(&wasm, wthreads_host::Builder::new()).unwrap();
    let mut main = rt.main_thread().unwrap();
    main.call::<_, i32>("bench_spawn_join", (200,)).unwrap();
    assert_eq!(rt.host_threads_started(), 1, "a spawn after a join must find the parked host thread");
    assert_eq!(rt.parked_threads(), 1);
    main.call::<_, i32>("bench_contended", (4, 10_000)).unwrap();
    let started = rt.host_threads_started();
    assert!((1..=4).contains(&started), "4 threads started {started} host threads");
    assert_eq!(rt.parked_threads(), started);
    drop(main);
    assert_eq!(rt.parked_threads(), 0, "closing the pool lets every parked thread go");
}

/// Runs `wthreads run PROGRAMS --invoke NAME` and returns its exit code and peak resident
/// memory in KiB (from `wait4`, for this child alone).
fn run_measured(name: &str) -> (Option<i32>, i64) {
    use std::os::unix::process::ExitStatusExt;
    #[expect(clippy::zombie_processes, reason = "reaped by wait4 below, which also reports its resource use")]
    let child = command()
        .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", name])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the runner starts");
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unwaited child; `status` and `usage` are valid for writes.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    (std::process::ExitStatus::from_raw(status).code(), usage.ru_maxrss)
}

/// Sixteen joins of a bogus id with buffers of almost 1 GiB cost the host nothing: the range
/// is checked, not copied (a copy per join peaked at gigabytes and took seconds). Compared
/// with a program that only spawns and joins (most of the peak is compiling the module).
#[test]
fn hostile_join_buffer_is_not_copied() {
    let (code, baseline_kib) = run_measured("test_spawn_join_value");
    assert_eq!(code, Some(0));
    let (code, peak_kib) = run_measured("test_hostile_join_buffer");
    assert_eq!(code, Some(0));
    let extra_mib = (peak_kib - baseline_kib) >> 10;
    assert!(extra_mib < 128, "the joins cost the host {extra_mib} MiB more than spawn+join");
}
