//! The `wthreads` command line on real and broken modules: patching, ABI checks, clear errors
//! with exit status 2, and a guest crate set up outside the workspace exactly as the README says.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wthreads(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wthreads")).args(args).output().expect("the wthreads binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fresh directory outside the repository, so no `.cargo/config.toml` of ours applies.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wthreads-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn expect_module_error(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(wthreads_host::EXIT_MODULE), "stderr: {}", stderr(o));
    assert!(stderr(o).contains(needle), "stderr does not mention `{needle}`: {}", stderr(o));
}

#[test]
fn run_patches_an_unpatched_module_in_memory() {
    let o = wthreads(&["run", wthreads_guest_tests::PROGRAMS_UNPATCHED, "--invoke", "test_mutex_counter"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("counter = 800000"));
}

#[test]
fn patch_then_run_and_refuse_a_second_patch() {
    let dir = temp_dir("patch_cli");
    let out = dir.join("p.wasm");
    let out = out.to_str().unwrap();
    let o = wthreads(&["patch", wthreads_guest_tests::PROGRAMS_UNPATCHED, "-o", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = wthreads(&["run", out, "--invoke", "test_nested_spawn"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again = dir.join("pp.wasm");
    let o = wthreads(&["patch", out, "-o", again.to_str().unwrap()]);
    expect_module_error(&o, "already patched");
    assert!(!again.exists(), "a refused patch wrote output");
}

#[test]
fn bad_inputs_get_clear_errors() {
    let dir = temp_dir("bad_inputs");
    let garbage = dir.join("garbage.wasm");
    std::fs::write(&garbage, b"this is not wasm").unwrap();
    expect_module_error(&wthreads(&["run", garbage.to_str().unwrap()]), "not a WebAssembly module");
    expect_module_error(&wthreads(&["run", dir.join("missing.wasm").to_str().unwrap()]), "missing.wasm");
    expect_module_error(
        &wthreads(&["run", wthreads_guest_tests::PROGRAMS, "--invoke", "no_such_export"]),
        "no exported function `no_such_export`",
    );
    expect_module_error(&wthreads(&["run"]), "Usage: wthreads run");
    expect_module_error(&wthreads(&["frobnicate"]), "unrecognized subcommand 'frobnicate'");
    expect_module_error(
        &wthreads(&["run", "x.wasm", "--max-threads", "lots"]),
        "invalid value 'lots' for '--max-threads <N>'",
    );
}

include!("common/fake_guest.rs");

#[test]
fn abi_version_and_imports_are_checked() {
    let dir = temp_dir("abi");
    let ok = dir.join("ok.wasm");
    std::fs::write(&ok, fake_guest(&format!("i32.const {}", wthreads::abi::ABI_VERSION), "", "")).unwrap();
    assert_eq!(wthreads(&["run", ok.to_str().unwrap()]).status.code(), Some(7), "the result is the exit status");

    // A module of runtime API v1 (before the stack limit travelled with the thread) and one of
    // a future version are refused with both versions named.
    for other in [1, 3] {
        let path = dir.join(format!("v{other}.wasm"));
        std::fs::write(&path, fake_guest(&format!("i32.const {other}"), "", "")).unwrap();
        expect_module_error(
            &wthreads(&["run", path.to_str().unwrap()]),
            &format!("runtime API v{other}, but this host implements v2"),
        );
    }

    let bogus = dir.join("bogus.wasm");
    std::fs::write(&bogus, fake_guest("i32.const 2", r#"(import "wthreads" "teleport" (func))"#, "")).unwrap();
    expect_module_error(&wthreads(&["run", bogus.to_str().unwrap()]), "wthreads.teleport");

    let foreign = dir.join("foreign.wasm");
    std::fs::write(&foreign, fake_guest("i32.const 2", r#"(import "wasi_snapshot_preview1" "fd_write" (func))"#, ""))
        .unwrap();
    expect_module_error(&wthreads(&["run", foreign.to_str().unwrap()]), "wasi_snapshot_preview1.fd_write");
}

const EXTERNAL_GUEST: &str = r#"#![no_std]
extern crate alloc;
use alloc::vec::Vec;
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;

#[unsafe(no_mangle)]
pub extern "C" fn main() -> i32 {
    let total = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (1..=4u64)
        .map(|i| {
            let t = Arc::clone(&total);
            thread::spawn(move || {
                *t.lock().unwrap() += i;
                i * 10
            })
        })
        .collect();
    let sum: u64 = hs.into_iter().map(|h| h.join().unwrap()).sum();
    wthreads::println!("external guest: total {} joined {}", *total.lock().unwrap(), sum);
    0
}
"#;

#[test]
fn external_guest_crate_as_the_readme_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = temp_dir("external-guest");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"external-guest\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n\
             [dependencies]\nwthreads = {{ path = {:?} }}\n\n[profile.release]\npanic = \"abort\"\n\n[workspace]\n",
            root.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), EXTERNAL_GUEST).unwrap();
    let target = dir.join("target");
    let build = |cmd: &mut Command| {
        cmd.args(["build", "--release", "--target", "wasm32-unknown-unknown", "--target-dir"])
            .arg(&target)
            .output()
            .unwrap()
    };

    // Without the flags, the wthreads build script stops the build and says what to add.
    let o = build(&mut wthreads_threadify::build::cargo_command(&dir));
    assert!(!o.status.success(), "a build without the flags must fail");
    assert!(stderr(&o).contains("link-arg=--shared-memory"), "{}", stderr(&o));

    // With .cargo/config.toml exactly as the README shows, it builds on stable.
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    std::fs::copy(root.join("docs/guest-config.toml"), dir.join(".cargo/config.toml")).unwrap();
    let o = build(wthreads_threadify::build::cargo_command(&dir).env("RUSTUP_TOOLCHAIN", "stable"));
    assert!(o.status.success(), "{}", stderr(&o));

    let wasm = target.join("wasm32-unknown-unknown/release/external_guest.wasm");
    let patched = dir.join("external_guest.patched.wasm");
    let o = wthreads(&["patch", wasm.to_str().unwrap(), "-o", patched.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = wthreads(&["run", patched.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "external guest: total 10 joined 100\n");
}

/// `--no-stack-check` patches without the check: the module still runs, is smaller, and an
/// unknown option is refused with the usage.
#[test]
fn patch_without_stack_check() {
    let dir = temp_dir("patch_no_check");
    let (with, without) = (dir.join("with.wasm"), dir.join("without.wasm"));
    let o = wthreads(&["patch", wthreads_guest_tests::PROGRAMS_UNPATCHED, "-o", with.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = wthreads(&[
        "patch",
        "--no-stack-check",
        wthreads_guest_tests::PROGRAMS_UNPATCHED,
        "-o",
        without.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (std::fs::read(&with).unwrap(), std::fs::read(&without).unwrap());
    assert!(b.len() < a.len(), "no check was left out: {} vs {} bytes", b.len(), a.len());
    let o = wthreads(&["run", without.to_str().unwrap(), "--invoke", "test_deep_recursion_8_threads"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = wthreads(&["patch", "--stack-check-off", wthreads_guest_tests::PROGRAMS_UNPATCHED, "-o", "x.wasm"]);
    expect_module_error(&o, "unexpected argument '--stack-check-off'");
    expect_module_error(&o, "a similar argument exists: '--no-stack-check'");
}

/// The benchmark suite (`--example bench`) runs both sides and prints its whole table; one run
/// here, and nothing about speed is asserted.
#[test]
fn benchmark_suite_runs() {
    // `cargo test` builds the examples next to the test binaries' directory.
    let exe = std::env::current_exe().unwrap();
    let bench = exe.parent().and_then(|deps| deps.parent()).unwrap().join("examples/bench");
    let out = std::process::Command::new(&bench).arg("1").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for row in [
        "spawn + join",
        "uncontended lock + unlock",
        "contended counter, 2 threads",
        "contended counter, 4 threads",
        "contended counter, 2 threads: the lock kept by one thread",
        "contended counter, 4 threads: the lock kept by one thread",
        "condvar ping-pong round trip",
        "malloc+free mixed, 1 thread",
        "malloc+free mixed, 2 threads (total)",
        "demo speedup at 2 threads",
        "hello-threads release module",
        "threadify, ",
        "wthreads check: ",
        "contended counter, 2 threads (100,000)",
        "demo workload 200x150, 2 threads",
        "wthreads start-up: ",
        "hello-threads ",
        "test programs (largest) ",
        "  5,000,000 read lock + unlock ",
        "instructions per operation (callgrind",
    ] {
        assert!(stdout.lines().any(|l| l.starts_with(row)), "no `{row}` row in:\n{stdout}");
    }
    // The instruction counts ran (Valgrind is part of the test setup) and gave the mutex's row,
    // with its target, in their own table.
    assert!(!stdout.contains("instruction counts: none"), "{stdout}");
    let counts = stdout.split("instructions per operation (callgrind").nth(1).unwrap_or_default();
    let mutex = counts.lines().find(|l| l.starts_with("uncontended lock + unlock "));
    assert!(mutex.is_some_and(|l| l.contains("≤ 1.20")), "{stdout}");
    assert!(stdout.contains("every target held") || stdout.contains("targets missed: "), "{stdout}");
}

/// The hello-threads guest, whose release size the benchmarks report, runs and prints its total.
#[test]
fn hello_threads_runs() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wthreads"))
        .args(["run", wthreads_guest_tests::HELLO])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), "hello threads: total 10");
}
