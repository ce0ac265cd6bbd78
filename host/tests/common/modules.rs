// Hand-made modules that every host must treat alike (the native host, Node and Chromium),
// shared by `guests.rs`, `node.rs` and `chromium.rs`, which define `command()`.

include!("fake_guest.rs");

/// Writes `wasm` to a temporary file named after `name` and runs `… run FILE`.
fn run_module(name: &str, wasm: &[u8]) -> Output {
    let path = std::env::temp_dir().join(format!("wthreads-{name}-{}-{}.wasm", module_path!(), std::process::id()));
    std::fs::write(&path, wasm).unwrap();
    let out = command().args(["run", path.to_str().unwrap()]).output().expect("the runner starts");
    std::fs::remove_file(path).unwrap();
    out
}

/// Asserts exit status 2 (the module cannot be run) and a message containing `needle`.
fn refused(out: &Output, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(wthreads_host::EXIT_MODULE), "{err}");
    assert!(err.contains(needle), "stderr does not mention `{needle}`:\n{err}");
}

/// The patched module of `fake_guest`.
fn patched(version: &str, imports: &str, fields: &str) -> Vec<u8> {
    wthreads_threadify::patch(&fake_guest(version, imports, fields)).unwrap()
}

/// A module whose start function or `wthreads_abi_version` traps cannot be run (status 2): the
/// invoked function never started. One meaning on every host.
#[test]
fn modules_trapping_before_the_entry_cannot_be_run() {
    let ok = run_module("fake-ok", &patched("i32.const 2", "", ""));
    assert_eq!(ok.status.code(), Some(7), "{}", text(&ok.stderr));
    let start = patched("i32.const 2", "", "(func $boom unreachable) (start $boom)");
    refused(&run_module("start-trap", &start), "cannot instantiate the module: its start function trapped: ");
    let version = patched("unreachable", "", "");
    refused(&run_module("version-trap", &version), "`wthreads_abi_version` trapped: ");
}

/// A module of runtime API v1 (whose thread start took no stack limit) or of a later version is
/// refused with both versions named, on every host.
#[test]
fn other_runtime_api_versions_are_refused() {
    for other in [1, 3] {
        let module = patched(&format!("i32.const {other}"), "", "");
        let needle = format!("module was built for wthreads runtime API v{other}, but this host implements v2");
        refused(&run_module(&format!("v{other}"), &module), &needle);
    }
}

/// An import of module `wthreads` with another type than the runtime API's is refused before
/// anything runs, naming the import and both types.
#[test]
fn runtime_api_imports_with_wrong_types_are_refused() {
    let join = patched("i32.const 2", r#"(import "wthreads" "thread_join" (func (param i32) (result i32)))"#, "");
    refused(
        &run_module("wrong-type", &join),
        "import `wthreads.thread_join` has type (i32) -> (i32), but runtime API v2 defines it as (i32, i32, i32, i32) -> (i32)",
    );
    let clock = patched("i32.const 2", r#"(import "wthreads" "clock_ns" (func (result i32)))"#, "");
    refused(&run_module("wrong-result", &clock), "import `wthreads.clock_ns` has type () -> (i32)");
}

/// A module that claims to be patched but has an active data segment (which every thread's
/// instance would apply again) is refused.
#[test]
fn active_data_segments_are_refused() {
    let forged = fake_guest(
        "i32.const 2",
        "",
        r#"(data (i32.const 1024) "abcd") (func $start (param i32 i32 i32 i32)) (export "wthreads_thread_start" (func $start))
           (@custom "wthreads.threadify" "4")"#,
    );
    refused(&run_module("active-data", &forged), "data segment 0 (4 bytes) is active");
}
