// Tests of the web runtime through its command lines (bad modules, the listener API with
// `--trace-events`), shared by `node.rs` and `chromium.rs`, which define `command()`.

/// Spawn, join and exit events and abort reports reach the listeners, in the order they
/// happened across threads, with the trap message of the thread that trapped.
#[test]
fn web_events_in_order() {
    let out = command()
        .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "test_trap_in_thread", "--trace-events"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // The trap's message is the engine's: V8 says "unreachable", Firefox "unreachable executed".
    let events: Vec<String> =
        err.lines().filter(|l| l.starts_with('[')).map(|l| l.replace("unreachable executed", "unreachable")).collect();
    assert_eq!(
        events,
        [
            "[spawn] thread 2 by thread 1",
            "[abort] thread 2: trapped: unreachable",
            "[exit] thread 2: trapped: unreachable",
            "[join] thread 2 by thread 1: trapped",
            "[spawn] thread 3 by thread 1",
            "[exit] thread 3: returned",
            "[join] thread 3 by thread 1: returned",
        ],
        "{err}"
    );
}

/// A panic in the entry is reported to `onAbort` with the thread's name and the panic message.
#[test]
fn web_abort_of_main() {
    let out = command()
        .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "test_main_panics", "--trace-events"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(wthreads_host::EXIT_TRAP), "{err}");
    assert!(err.contains("[abort] thread 1 'main': panicked at src/panics.rs:"), "{err}");
    assert!(err.contains("the main thread gives up"), "{err}");
}

/// Unusable modules get exit status 2 and a message naming the problem, as with `wthreads run`.
#[test]
fn web_bad_modules() {
    let garbage = std::env::temp_dir().join(format!("wthreads-web-garbage-{}-{}.wasm", module_path!(), std::process::id()));
    std::fs::write(&garbage, b"not wasm at all").unwrap();
    let cases = [
        (garbage.to_str().unwrap(), "main", "not a valid WebAssembly module"),
        (wthreads_guest_tests::PROGRAMS_UNPATCHED, "test_spawn_join_value", "is not patched"),
        (wthreads_guest_tests::PROGRAMS, "no_such_export", "does not export `no_such_export`"),
        ("/no/such/file.wasm", "main", "no such file"),
    ];
    for (module, name, message) in cases {
        let out = run(module, name);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(wthreads_host::EXIT_MODULE), "{module}: {err}");
        assert!(err.to_lowercase().contains(&message.to_lowercase()), "{module}: {err}");
    }
    std::fs::remove_file(garbage).unwrap();
}

/// Each live thread is a worker (~9 MB in Node, ~2.5 MB in Chromium, README), so the web
/// runtime's default limit is 256 live threads (`DEFAULT_MAX_THREADS` in `web/wthreads.mjs`),
/// not the native host's 1024: the 257th gets `ERR_THREAD_LIMIT`.
#[test]
fn web_default_thread_limit() {
    let out = command().args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "spawn_until_refused"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("spawned 256 threads until: thread limit reached"), "{stdout}");
}

/// `--arg N` passes integers to the invoked export, as with `wthreads run`; a bad one is refused.
#[test]
fn web_args_reach_the_export() {
    let out = command()
        .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "hold_live_threads", "--arg", "20"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("20 threads were alive at once"));
    let bad = command().args(["run", wthreads_guest_tests::PROGRAMS, "--arg", "x"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(wthreads_host::EXIT_MODULE));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--arg needs an i32 number"));
    // A negative one is an argument, as `wthreads run` takes it (here one too many).
    let args = ["run", wthreads_guest_tests::PROGRAMS, "--invoke", "test_spawn_join_value", "--arg", "-5"];
    let negative = command().args(args).output().unwrap();
    assert_eq!(negative.status.code(), Some(wthreads_host::EXIT_MODULE));
    assert!(String::from_utf8_lossy(&negative.stderr).contains("takes 0 arguments, 1 given"));
    let unknown = command().args(["run", wthreads_guest_tests::PROGRAMS, "--bogus"]).output().unwrap();
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert_eq!(unknown.status.code(), Some(wthreads_host::EXIT_MODULE), "{said}");
    assert!(said.contains("Unknown option '--bogus'") && said.contains("usage:"), "{said}");
}

/// One `Runtime`, many calls (`host/tests/runtime/calls.mjs`, run by `runtime_calls()` on this
/// host): statics, the main thread's thread-locals and a thread that waits between calls persist;
/// bytes and strings go in and out through blocks of the program's own allocator, also beyond
/// where the memory first ended; a call that cannot be made is refused and the runtime goes on;
/// a trap or deadlock in a call ends the runtime, as does closing it, and later calls say so.
#[test]
fn web_runtime_keeps_state_between_calls() {
    let out = wthreads_guest_tests::output_within(
        &mut runtime_calls(),
        std::time::Duration::from_secs(180),
        "the persistent-runtime test",
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    let page: serde_json::Value = serde_json::from_str(&said).unwrap_or_else(|e| panic!("{e}: {said}"));
    assert_eq!(page["state"], "done", "{page}");
    let seen = &page["result"];
    let json = |s: &str| -> serde_json::Value { serde_json::from_str(s).unwrap() };
    let refused = |kind: &str, message: &str| json(&format!(r#"{{"error":"{kind}","message":"{message}","closed":false}}"#));
    let closed = |message: &str| json(&format!(r#"{{"error":"closed","message":"{message}","closed":true}}"#));
    let expected = [
        ("totals", json(r#"["2n","42n"]"#)),
        ("counts", json("[1,2]")),
        ("sums", json(r#"["5n","11n"]"#)),
        ("final", json(r#""11n""#)),
        ("spawned", json("1")),
        ("byteSum", json(r#""32640n""#)),
        ("grew", json("true")),
        ("largeSum", json(&format!(r#""{}n""#, 3 * (48 << 20)))),
        ("shoutStatus", json("0")),
        ("shout", json(r#""GRÜSSE, WTHREADS""#)),
        ("noSuchExport", refused("module", "the module does not export `no_such_export`")),
        ("wrongArity", refused("module", "`calls_add` takes 1 arguments, 0 given")),
        ("badArg", refused("TypeError", "wthreads: arguments must be numbers (i32, f32, f64) or BigInts (i64)")),
        (
            "tooLarge",
            refused("RangeError", "wthreads: the guest cannot allocate 4294967295 bytes (aligned to 1): its memory is exhausted"),
        ),
        ("badAlign", refused("RangeError", "wthreads: alignment 3 is not a power of two")),
        ("stillUsable", json(r#""42n""#)),
        ("trap", refused("trap", r"panicked at src/panics.rs:49:5:\nthe main thread gives up")),
        ("closedAfterTrap", json("true")),
        ("afterTrap", closed(r"the runtime ended: an earlier call panicked at src/panics.rs:49:5:\nthe main thread gives up")),
        ("closeAfterTrap", json(r#"{"value":{}}"#)),
        ("panicReported", json("true")),
        (
            "deadlock",
            refused("deadlock", "deadlock: all 2 live threads of the program are blocked, and none can wake another"),
        ),
        ("closedAfterDeadlock", json("true")),
        ("closeDuringCall", json(r#"{"value":{}}"#)),
        ("runningCall", closed("the runtime was closed during the call")),
        ("afterClose", closed("the runtime is closed")),
        ("idleCall", json(r#""7n""#)),
        ("idleClose", json(r#"{"value":{}}"#)),
        ("idleCloseAgain", json(r#"{"value":{}}"#)),
        ("idleClosed", json("true")),
    ];
    for (key, want) in expected {
        assert_eq!(seen[key], want, "{key} in {seen}");
    }
    // Thread ids: the kept thread is the first spawned in its runtime.
    assert_eq!(seen["worker"], 2, "{seen}");
    assert_eq!(seen["leftOpen"], 2, "{seen}");
    let past = seen["pastTheEnd"]["message"].as_str().unwrap_or_default();
    assert!(past.starts_with("wthreads: 8 bytes at ") && past.contains("run past the end of the guest's memory"), "{seen}");
}
