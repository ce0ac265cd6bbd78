//! The guest programs (`guest-tests/programs`) as native code over wthreads' host-target runtime:
//! every program runs here too, on the runner's main thread, unless it tests what only wasm has;
//! those are listed below with the reason, and the list is held to the module's exports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;
use wthreads_guest_tests::{foreach_program, output_within};

/// The programs compiled for wasm32 only, and why.
const WASM_ONLY: &[(&str, &str)] = &[
    ("test_hostile_join_and_detach", "calls the host's imports with bad arguments"),
    ("test_hostile_wait_wake", "calls the host's imports with bad arguments"),
    ("test_hostile_write", "calls the host's imports with bad arguments"),
    ("test_hostile_abort", "calls the host's imports with bad arguments"),
    ("test_hostile_spawn_bomb", "tests the host's thread limit"),
    ("test_hostile_memory_exhaustion", "grows the wasm memory to its maximum"),
    ("test_hostile_join_buffer", "calls the host's imports with bad arguments"),
    ("test_many_threads_memory_bounded", "measures the wasm memory in pages"),
    ("test_detached_threads_reclaimed", "measures the wasm memory in pages"),
    ("test_oom_small_blocks", "exhausts the wasm memory"),
    ("test_oom_on_main", "exhausts the wasm memory"),
    ("test_deep_recursion_8_threads", "sizes shadow stacks, which native threads do not have"),
    ("test_stack_size_64k", "sizes shadow stacks, which native threads do not have"),
    ("test_stack_size_8m", "sizes shadow stacks, which native threads do not have"),
    ("test_stack_overflow_caught", "tests threadify's stack check"),
    (
        "test_rwlock_forgotten_read_not_released_elsewhere",
        "checks the records of threads that died without unwinding, which only wasm has (and relies on wthreads' allocator reusing a freed block)",
    ),
    ("test_trap_in_thread", "traps (wasm `unreachable`)"),
    ("test_trap_releases_locks", "traps (wasm `unreachable`)"),
    ("test_main_panics", "checks the host's exit status of a trapped main thread"),
    ("test_output_closed", "checks the host's output when its reader is gone"),
    ("test_racy_counter", "races on purpose, for a trace to show (Miri would stop it)"),
    ("test_main_thread_is_one", "natively the thread that asks is any thread, not a program's main one"),
];

/// How long one program may run natively before it is called hung.
const DEADLINE: Duration = Duration::from_secs(120);

/// The native runner of the programs crate, built on first use (here rather than by the build
/// script, so that the demo, which builds the guests, does not wait for it), with unwinding
/// panics: the native runtime relies on them, while the crate's own profile aborts for wasm.
fn runner_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target_dir = here.join("../target/programs-native");
        let status = wthreads_threadify::build::cargo_command(&here.join("programs"))
            .args(["build", "--release", "--bin", "native", "--target-dir"])
            .arg(&target_dir)
            .env("CARGO_PROFILE_RELEASE_PANIC", "unwind")
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the native runner of guest-tests/programs failed");
        target_dir.join("release").join(format!("native{}", std::env::consts::EXE_SUFFIX))
    })
}

fn runner(arg: &str) -> Output {
    output_within(Command::new(runner_path()).arg(arg), DEADLINE, &format!("`native {arg}`"))
}

/// The programs the native runner has.
fn native_programs() -> Vec<String> {
    let out = runner("--list");
    assert!(out.status.success(), "native --list: {out:?}");
    String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect()
}

/// Runs `name` natively and asserts it returned 0, or, for a wasm-only program, that the
/// native build does not have it.
fn run(name: &str) {
    if let Some((_, why)) = WASM_ONLY.iter().find(|(n, _)| *n == name) {
        assert!(!native_programs().iter().any(|n| n == name), "{name} is listed as wasm-only but runs natively");
        println!("{name}: wasm32 only ({why}); not built natively");
        return;
    }
    let out = runner(name);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name} failed natively ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

macro_rules! native_test {
    (programs, $name:ident) => {
        #[test]
        fn $name() {
            run(stringify!($name));
        }
    };
    ($suite:ident, $name:ident) => {};
}
foreach_program!(native_test);

/// Every program of the native runner is an export of the wasm module, and every export is
/// either in the runner or in [`WASM_ONLY`].
#[test]
fn native_programs_are_the_exports_minus_the_wasm_only_ones() {
    let mut exports = Vec::new();
    macro_rules! collect {
        (programs, $name:ident) => {
            exports.push(stringify!($name));
        };
        ($suite:ident, $name:ident) => {};
    }
    foreach_program!(collect);
    let native = native_programs();
    for name in &native {
        assert!(
            exports.contains(&name.as_str()),
            "the native runner has {name}, which the wasm module does not export"
        );
    }
    for name in &exports {
        let wasm_only = WASM_ONLY.iter().any(|(n, _)| n == name);
        let in_native = native.iter().any(|n| n == name);
        assert!(wasm_only != in_native, "{name}: must be in exactly one of the native runner and WASM_ONLY");
    }
}
