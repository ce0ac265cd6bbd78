//! Threadify on `.wat` fixtures: the patched output is compared with `fixtures/*.out.wat`
//! (rewrite them with `BLESS=1 cargo test -p wthreads-threadify`), and every module threadify
//! must refuse gets an error that names the problem.

use std::path::Path;
use wthreads_threadify::{Error, Options, is_patched, patch, patch_with, validate};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The minimal fixture with `from` replaced by `to` in its text.
fn variant(from: &str, to: &str) -> Vec<u8> {
    variant2(&[(from, to)])
}

/// The minimal fixture with several replacements.
fn variant2(edits: &[(&str, &str)]) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.wat");
    let mut text = std::fs::read_to_string(path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "fixture has no `{from}`");
        text = text.replace(from, to);
    }
    wat::parse_str(text).unwrap()
}

fn refuse(wasm: &[u8], needle: &str) -> Error {
    let err = patch(wasm).expect_err("threadify must refuse this module");
    let msg = err.to_string();
    assert!(msg.contains(needle), "error `{msg}` does not mention `{needle}`");
    err
}

/// Patches fixture `name.wat` and compares the text with `name.out.wat` (written with BLESS=1).
fn blessed(name: &str, options: &Options) -> String {
    let out = patch_with(&fixture(&format!("{name}.wat")), options).unwrap();
    validate(&out).unwrap();
    assert!(is_patched(&out));
    let text = wasmprinter::print_bytes(&out).unwrap();
    let expected_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.out.wat"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&expected_path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).expect("run with BLESS=1 to create the expected output");
    assert_eq!(text, expected, "patched output changed; re-bless with BLESS=1 if intended");
    assert!(!text.contains("wthreads_patch"), "a wthreads_patch import survived");
    assert!(text.contains("(export \"wthreads_thread_start\""));
    text
}

#[test]
fn minimal_matches_expected_output() {
    let text = blessed("minimal", &Options::default());
    // The thread start sets the limit it is given (its fourth parameter).
    let start = &text[text.find("(func $wthreads_thread_start").unwrap()..];
    assert!(
        start.contains("(param i32 i32 i32 i32)")
            && start.contains("local.get 3\n    global.set $wthreads_stack_limit"),
        "{start}"
    );
}

#[test]
fn stack_check_guards_every_stack_pointer_write() {
    let text = blessed("stack_check", &Options::default());
    // $framed: the frame carved (which the prologue then writes: checked once; the epilogue's
    // write inside a block gives it back, which needs none); $leaf: the frame carved. Not the
    // added thread start. Each is a compare with the limit written in place, which calls the
    // added overflow function only below it.
    assert_eq!(text.matches("global.get $wthreads_stack_limit\n").count(), 2, "{text}");
    assert_eq!(text.matches("call $wthreads_stack_overflowed").count(), 2, "{text}");
    assert_eq!(text.matches("global.set $__stack_pointer").count(), 3, "{text}");
    let overflowed = &text[text.find("(func $wthreads_stack_overflowed").unwrap()..];
    let overflowed = &overflowed[..overflowed.find("\n  )").unwrap()];
    assert!(
        overflowed.contains("global.set $wthreads_stack_limit")
            && overflowed.contains("call $overflow")
            && overflowed.contains("unreachable"),
        "{overflowed}"
    );
}

#[test]
fn stack_check_can_be_turned_off() {
    let out = patch_with(&fixture("stack_check.wat"), &Options { stack_check: false, ..Options::default() }).unwrap();
    validate(&out).unwrap();
    let text = wasmprinter::print_bytes(&out).unwrap();
    assert!(!text.contains("wthreads_stack_overflowed"), "{text}");
    // The thread start still takes (and sets) the limit: the host's call is the same either way.
    assert!(text.contains("global.set $wthreads_stack_limit"), "{text}");
}

/// The stack check in a real engine: a thread whose frame would cross the limit runs the
/// handler (here: traps), one that stays above it returns.
#[test]
fn stack_check_fires_in_wasmtime() {
    let out = patch(&fixture("stack_check.wat")).unwrap();
    let mut config = wasmtime::Config::new();
    config.wasm_threads(true).shared_memory(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let module = wasmtime::Module::new(&engine, &out).unwrap();
    let memory = wasmtime::SharedMemory::new(&engine, wasmtime::MemoryType::shared(17, 16384)).unwrap();
    // The deepest frame is $leaf's 8 KiB, carved from the top.
    for (stack_top, fires) in [(4096 + 8192, false), (4096 + 8191, true)] {
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[memory.clone().into()]).unwrap();
        let start = instance.get_typed_func::<(i32, i32, i32, i32), ()>(&mut store, "wthreads_thread_start").unwrap();
        let result = start.call(&mut store, (0, stack_top, 8192, 4096));
        assert_eq!(result.is_err(), fires, "stack top {stack_top}: {result:?}");
    }
}

fn engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_threads(true).shared_memory(true);
    wasmtime::Engine::new(&config).unwrap()
}

/// A host that keeps a pool of ready instances runs one thread after another in the same
/// instance: the second thread must start with no stack limit, thread pointer or owner value
/// left over from the first, even when its stack lies below the first one's limit; and each
/// finds its owner value (4 bytes past its thread pointer) once it set the pointer.
#[test]
fn thread_start_resets_a_reused_instance() {
    let out = patch(&fixture("reuse.wat")).unwrap();
    let engine = engine();
    let module = wasmtime::Module::new(&engine, &out).unwrap();
    let memory = wasmtime::SharedMemory::new(&engine, wasmtime::MemoryType::shared(17, 16384)).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = wasmtime::Instance::new(&mut store, &module, &[memory.clone().into()]).unwrap();
    let start = instance.get_typed_func::<(i32, i32, i32, i32), ()>(&mut store, "wthreads_thread_start").unwrap();
    let word = |at: usize| {
        let bytes: Vec<u8> = memory.data()[at..at + 4].iter().map(read_byte).collect();
        i32::from_le_bytes(bytes.try_into().unwrap())
    };
    let set_owner = |thread_pointer: usize, owner: i32| {
        for (c, b) in memory.data()[thread_pointer + 4..].iter().zip(owner.to_le_bytes()) {
            // SAFETY: the byte is in bounds of a live memory and no wasm thread is running.
            unsafe { *c.get() = b };
        }
    };
    // First thread: stack [60000, 70000), limit and thread pointer 60000, owner value 42.
    set_owner(60000, 42);
    start.call(&mut store, (60000, 70000, 8192, 60000)).unwrap();
    assert_eq!((word(64), word(68), word(72)), (0, 0, 42));
    // Second thread: stack top 20000, under the first limit; its entry's frame must pass.
    set_owner(10000, 7);
    start.call(&mut store, (10000, 20000, 8192, 10000)).expect("the second thread saw the first one's stack limit");
    assert_eq!(word(64), 0, "the second thread saw the first one's thread pointer");
    assert_eq!(word(68), 0, "the second thread saw the first one's owner value");
    assert_eq!(word(72), 7);
}

/// Reads a byte of the shared memory (no other thread runs here).
fn read_byte(c: &std::cell::UnsafeCell<u8>) -> u8 {
    // SAFETY: the byte is in bounds of a live memory and no wasm thread is running.
    unsafe { *c.get() }
}

#[test]
fn wait_and_wake_become_instructions() {
    let text = blessed("wait", &Options::default());
    assert!(text.contains("memory.atomic.wait32") && text.contains("memory.atomic.notify"), "{text}");
    assert!(!text.contains("(import \"wthreads\" \"wait32\"") && !text.contains("(import \"wthreads\" \"wake\""));
    assert!(text.contains("(import \"wthreads\" \"write\""), "other runtime imports stay");
    let kept = patch_with(&fixture("wait.wat"), &Options { inline_wait: false, ..Options::default() }).unwrap();
    let kept = wasmprinter::print_bytes(&kept).unwrap();
    assert!(kept.contains("(import \"wthreads\" \"wait32\"") && !kept.contains("memory.atomic.wait32"), "{kept}");
}

/// Without the deadlock watch, a wait with no timeout is the instruction too (what the benchmark
/// suite compares against): no `wait_watched` import, and it waits like the instruction.
#[test]
fn unwatched_waits_are_instructions() {
    let out = patch_with(&fixture("wait.wat"), &Options { watch_waits: false, ..Options::default() }).unwrap();
    let text = wasmprinter::print_bytes(&out).unwrap();
    assert!(!text.contains("wait_watched") && text.matches("memory.atomic.wait32").count() == 1, "{text}");
    let engine = engine();
    let module = wasmtime::Module::new(&engine, &out).unwrap();
    let memory = wasmtime::SharedMemory::new(&engine, wasmtime::MemoryType::shared(1, 16)).unwrap();
    let mut linker = wasmtime::Linker::new(&engine);
    linker.func_wrap("wthreads", "write", |_: i32, _: i32, len: i32| len).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    linker.define(&mut store, "env", "memory", memory).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let wait = instance.get_typed_func::<(i32, i32, i64), i32>(&mut store, "wait").unwrap();
    assert_eq!(wait.call(&mut store, (65532, 1, -1)).unwrap(), wthreads::abi::WAIT_NOT_EQUAL);
    assert_eq!(wait.call(&mut store, (65532, 0, 1_000_000)).unwrap(), wthreads::abi::WAIT_TIMED_OUT);
}

/// The inlined wait and wake in wasmtime: the host's error codes for bad addresses, the
/// instruction's results otherwise, bounds that follow `memory.grow`, and a waiter woken by
/// the host's own notify (how the end of a thread reaches its joiner). A wait without a
/// timeout is the host's `wait_watched`, with no wait context and no thread pointer yet.
#[test]
fn inlined_wait_and_wake_run_in_wasmtime() {
    let out = patch(&fixture("wait.wat")).unwrap();
    let engine = engine();
    let module = wasmtime::Module::new(&engine, &out).unwrap();
    let memory = wasmtime::SharedMemory::new(&engine, wasmtime::MemoryType::shared(1, 16)).unwrap();
    let mut linker = wasmtime::Linker::new(&engine);
    linker.func_wrap("wthreads", "write", |_: i32, _: i32, len: i32| len).unwrap();
    let watched = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, shared) = (std::sync::Arc::clone(&watched), memory.clone());
    // A host's watched wait: it notes the arguments and waits as `wait32` without timeout.
    linker
        .func_wrap("wthreads", "wait_watched", move |addr: i32, expected: i32, what: i32, at: i32, thread: i32| {
            seen.lock().unwrap().push([addr, expected, what, at, thread]);
            match shared.atomic_wait32(u64::from(addr.cast_unsigned()), expected.cast_unsigned(), None) {
                Ok(wasmtime::WaitResult::Ok) => wthreads::abi::WAIT_WOKEN,
                Ok(wasmtime::WaitResult::Mismatch) => wthreads::abi::WAIT_NOT_EQUAL,
                _ => wthreads::abi::WAIT_TIMED_OUT,
            }
        })
        .unwrap();
    let instantiate = |store: &mut wasmtime::Store<()>| {
        let mut l = linker.clone();
        l.define(&mut *store, "env", "memory", memory.clone()).unwrap();
        l.instantiate(&mut *store, &module).unwrap()
    };
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = instantiate(&mut store);
    let wait = instance.get_typed_func::<(i32, i32, i64), i32>(&mut store, "wait").unwrap();
    let wake = instance.get_typed_func::<(i32, i32), i32>(&mut store, "wake").unwrap();
    let (misaligned, oob) = (wthreads::abi::ERR_MISALIGNED, wthreads::abi::ERR_OUT_OF_BOUNDS);
    assert_eq!(wait.call(&mut store, (2, 0, 0)).unwrap(), misaligned);
    assert_eq!(wait.call(&mut store, (65536, 0, 0)).unwrap(), oob);
    assert_eq!(wait.call(&mut store, (-4, 0, 0)).unwrap(), oob);
    assert_eq!(wait.call(&mut store, (65532, 1, -1)).unwrap(), wthreads::abi::WAIT_NOT_EQUAL);
    assert_eq!(wait.call(&mut store, (65532, 0, 1_000_000)).unwrap(), wthreads::abi::WAIT_TIMED_OUT);
    assert_eq!(watched.lock().unwrap()[..], [[65532, 1, wthreads::abi::NO_WAIT_CONTEXT, 0, 0]]);
    assert_eq!(wake.call(&mut store, (6, 1)).unwrap(), misaligned);
    assert_eq!(wake.call(&mut store, (65536, 1)).unwrap(), oob);
    assert_eq!(wake.call(&mut store, (8, -1)).unwrap(), 0);
    memory.grow(1).unwrap();
    assert_eq!(wait.call(&mut store, (65536, 1, -1)).unwrap(), wthreads::abi::WAIT_NOT_EQUAL);
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "say").unwrap().call(&mut store, ()).unwrap(), 0);

    // A guest waiter woken by the host, then a guest waiter woken by a guest.
    for by_host in [true, false] {
        let waiter = std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let mut store = wasmtime::Store::new(&engine, ());
                let instance = instantiate(&mut store);
                let wait = instance.get_typed_func::<(i32, i32, i64), i32>(&mut store, "wait").unwrap();
                wait.call(&mut store, (16, 0, -1)).unwrap()
            });
            loop {
                let woken = if by_host {
                    memory.atomic_notify(16, 1).unwrap()
                } else {
                    wake.call(&mut store, (16, 1)).unwrap() as u32
                };
                if woken == 1 {
                    break;
                }
                std::thread::yield_now();
            }
            waiter.join().unwrap()
        });
        assert_eq!(waiter, wthreads::abi::WAIT_WOKEN, "woken by host: {by_host}");
    }
}

#[test]
fn second_patch_is_refused() {
    let once = patch(&fixture("minimal.wat")).unwrap();
    assert_eq!(patch(&once), Err(Error::AlreadyPatched));
}

#[test]
fn not_wasm() {
    refuse(b"\0asm\x01\0\0\0garbage", "not a WebAssembly module");
    refuse(b"hello", "not a WebAssembly module");
    refuse(b"", "not a WebAssembly module");
}

#[test]
fn memory_problems() {
    refuse(&variant("(memory 17 16384 shared)", "(memory 17 16384)"), "not shared");
    refuse(
        &variant2(&[
            ("(import \"env\" \"memory\" (memory 17 16384 shared))", ""),
            ("(global $__stack_pointer (mut", "(memory 17 16384 shared) (global $__stack_pointer (mut"),
        ]),
        "not imported",
    );
    refuse(&variant("(import \"env\" \"memory\" (memory 17 16384 shared))", ""), "no memory");
    refuse(&variant("(global $__stack_pointer (mut", "(memory 1 1) (global $__stack_pointer (mut"), "2 memories");
    refuse(&variant("(memory 17 16384 shared)", "(memory i64 17 16384 shared)"), "64-bit");
}

/// An active data segment would be applied again by every thread's instance, undoing the
/// program's writes: refused, naming the segment. A passive one (lld's way) is fine.
#[test]
fn active_data_segments_are_refused() {
    let active = variant("(export \"__stack_pointer\"", "(data (i32.const 1024) \"abcd\") (export \"__stack_pointer\"");
    let err = refuse(&active, "data segment 0 (4 bytes) is active");
    assert_eq!(err, Error::ActiveData { index: 0, len: 4 });
    assert!(err.to_string().contains("passive"), "{err}");
    let passive = variant("(export \"__stack_pointer\"", "(data \"abcd\") (export \"__stack_pointer\"");
    validate(&patch(&passive).unwrap()).unwrap();
}

#[test]
fn missing_maximum_cannot_even_parse_shared() {
    // A shared memory without maximum is invalid wasm; the text parser rejects it, so build
    // the binary by hand: the same fixture with the limits flag "shared, no max" (0x02).
    let mut wasm = fixture("minimal.wat");
    let pos = wasm.windows(7).position(|w| w == b"memory\x02").expect("memory import") + 6;
    assert_eq!(wasm[pos + 1], 0x03, "flags: shared with maximum");
    wasm[pos + 1] = 0x02;
    let err = patch(&wasm).expect_err("refused");
    assert!(matches!(err, Error::NotWasm(_) | Error::Memory(_)), "{err}");
}

#[test]
fn missing_symbols_are_named() {
    for sym in
        ["__stack_pointer", "__tls_base", "__tls_size", "__tls_align", "__wasm_init_tls", "wthreads_thread_entry"]
    {
        let line = format!("(export \"{sym}\"");
        let wasm = variant(&line, "(export \"renamed\"");
        let err = refuse(&wasm, sym);
        assert!(err.to_string().contains("config.toml"), "no build hint in `{err}`");
    }
}

#[test]
fn wrong_symbol_types_are_named() {
    refuse(&variant("(global $__stack_pointer (mut i32)", "(global $__stack_pointer i32"), "mutable i32 global");
    refuse(&variant("(func $entry (param i32)", "(func $entry (param i32 i32)"), "wthreads_thread_entry");
}

/// wasm-bindgen's output (its glue's imports, its start function; wasm-bindgen has taken the
/// TLS exports threadify needs) is refused with the order to follow, not a missing export; a
/// module wasm-bindgen has not processed yet (the order) is patched.
#[test]
fn wasm_bindgen_output_is_named() {
    let glue = variant(
        "(import \"env\" \"memory\" (memory 17 16384 shared))",
        "(import \"./app_bg.js\" \"memory\" (memory 17 16384 shared))",
    );
    let err = refuse(&glue, "wasm-bindgen's output (it imports `./app_bg.js.memory`)");
    assert!(err.to_string().contains("before wasm-bindgen"), "{err}");
    let start = variant("(export \"__tls_size\" (global $__tls_size))", "(export \"__wbindgen_start\" (func $entry))");
    refuse(&start, "wasm-bindgen's output (it exports `__wbindgen_start`)");
    let unbound = variant(
        "(import \"wthreads_patch\" \"tls_size\" (func $tls_size (result i32)))",
        "(import \"wthreads_patch\" \"tls_size\" (func $tls_size (result i32))) (import \"__wbindgen_placeholder__\" \"__wbindgen_describe\" (func (param i32)))",
    );
    validate(&patch(&unbound).unwrap()).unwrap();
}

#[test]
fn unknown_patch_import_is_named() {
    let wasm = variant(
        "(import \"wthreads_patch\" \"tls_size\" (func $tls_size (result i32)))",
        "(import \"wthreads_patch\" \"tls_size\" (func $tls_size (result i32))) (import \"wthreads_patch\" \"future\" (func))",
    );
    refuse(&wasm, "wthreads_patch.future");
}

/// The event patch import becomes a function that keeps the wait context, exported as
/// `wthreads_event`; `trace`
/// makes its call a call of `wthreads_trace.event` with the call's site, precedes the runtime
/// API call with `wthreads_trace.at`, and its location table names the calls' function and
/// offsets in the patched module.
#[test]
fn trace_instruments_event_and_runtime_calls() {
    let text = blessed("trace", &Options::default());
    let event = text.lines().position(|l| l.starts_with("  (func $wthreads_event ")).unwrap();
    let body: Vec<&str> = text.lines().skip(event).take_while(|l| *l != "  )").collect();
    assert!(body.iter().any(|l| l.trim().starts_with("global.set ")), "{body:#?}");
    assert!(text.contains("(export \"wthreads_event\" (func $wthreads_event))"), "{text}");

    let patched = patch(&fixture("trace.wat")).unwrap();
    let traced = wthreads_threadify::trace::instrument(&patched, &Default::default()).unwrap();
    validate(&traced.wasm).unwrap();
    let out = wasmprinter::print_bytes(&traced.wasm).unwrap();
    let entry = &out[out.find("(func $entry (").unwrap()..];
    let entry = &entry[..entry.find("\n  )").unwrap()];
    assert!(entry.contains("i64.const -1\n    i32.const 0\n    call $wthreads_trace.event"), "{entry}");
    assert!(entry.contains("i32.const 1\n    call $wthreads_trace.at\n    call $thread_yield"), "{entry}");
    assert_eq!(traced.sites.len(), 2);
    // The sites are the calls' bytes in the patched module: `call` (0x10) and its function.
    for site in &traced.sites {
        assert_eq!(site.name.as_deref(), Some("entry"));
        assert_eq!(patched[site.offset as usize], 0x10, "{site:?}");
    }
    assert!(traced.sites[0].offset < traced.sites[1].offset);
    // Only a patched module is instrumented.
    let err = wthreads_threadify::trace::instrument(&fixture("trace.wat"), &Default::default()).unwrap_err();
    assert!(err.to_string().contains("patch it first"), "{err}");
}

/// An untraced run compiles the event calls as what they do: the event function's body in place
/// of each call, its arguments in locals (so an engine folds the body for a constant kind without
/// an inliner of its own). The function stays, exported, for `trace`.
#[test]
fn inline_events_puts_the_event_body_in_place_of_each_call() {
    let patched = patch(&fixture("trace.wat")).unwrap();
    let inlined = wthreads_threadify::inline_events(&patched).unwrap();
    validate(&inlined).unwrap();
    assert!(is_patched(&inlined));
    let text = wasmprinter::print_bytes(&inlined).unwrap();
    let entry = &text[text.find("(func $entry (").unwrap()..];
    let entry = &entry[..entry.find("\n  )").unwrap()];
    assert!(!entry.contains("call $wthreads_event"), "{entry}");
    // The four arguments into locals, last first, then the body: the kind's test and the stores.
    let sets = entry.lines().filter(|l| l.trim().starts_with("local.set ")).count();
    assert_eq!(sets, 4, "{entry}");
    assert!(
        entry.contains("block") && entry.contains("i64.shr_u") && entry.matches("global.set ").count() == 2,
        "{entry}"
    );
    assert!(entry.contains("call $thread_yield"), "{entry}");
    assert!(text.contains("(export \"wthreads_event\" (func $wthreads_event))"), "{text}");
    // A module without events is left as it is; an unpatched one is refused.
    let quiet = patch(&fixture("minimal.wat")).unwrap();
    assert_eq!(wthreads_threadify::inline_events(&quiet).unwrap(), quiet);
    let err = wthreads_threadify::inline_events(&fixture("trace.wat")).unwrap_err();
    assert!(err.to_string().contains("patch it first"), "{err}");
}

/// `--memory`: each access of the shared memory gets a site that says what it does; plain ones
/// call the recorder (ranges the range recorder), atomic ones the atomic recorders before their
/// write side and after their read side, which take a seq from the imported order memory (or
/// read it); the
/// buffer and its cursor are exported; the result validates.
#[test]
fn trace_memory_records_every_access() {
    use wthreads_threadify::trace::{Access, Options, instrument};
    let patched = patch(&fixture("trace_memory.wat")).unwrap();
    let traced = instrument(&patched, &Options { memory: true }).unwrap();
    validate(&traced.wasm).unwrap();
    let out = wasmprinter::print_bytes(&traced.wasm).unwrap();
    assert!(out.contains("(export \"wthreads_trace_buffer\" (memory $wthreads_trace_buffer))"), "{out}");
    assert!(out.contains("(export \"wthreads_trace_cursor\" (global"), "{out}");
    let accesses: Vec<Access> = traced.sites.iter().filter_map(|s| s.access).collect();
    let (read, write) = (
        |width, offset| Access { write: false, atomic: false, width, offset, range: false },
        |width, offset| Access { write: true, atomic: false, width, offset, range: false },
    );
    let atomic = |write, width| Access { write, atomic: true, width, offset: 0, range: false };
    let range = |write| Access { write, atomic: false, width: 0, offset: 0, range: true };
    let expected = vec![
        read(4, 8),       // i32.load offset=8
        write(8, 0),      // i64.store
        atomic(true, 4),  // i32.atomic.rmw.add: its write side, before
        atomic(false, 4), // and its read side, after
        range(true),      // memory.fill
        range(true),      // memory.copy: the destination
        range(false),     // and the source
        atomic(false, 4), // i32.atomic.load
        atomic(true, 4),  // memory.atomic.notify
    ];
    assert_eq!(accesses, expected);
    let entry = &out[out.find("(func $entry (").unwrap()..];
    let entry = &entry[..entry.find("\n  )").unwrap()];
    assert_eq!(entry.matches("call $wthreads_trace_record\n").count(), 2, "{entry}");
    assert_eq!(entry.matches("call $wthreads_trace_record_range").count(), 3, "{entry}");
    assert_eq!(entry.matches("call $wthreads_trace_record_atomic_write").count(), 2, "{entry}");
    assert_eq!(entry.matches("call $wthreads_trace_record_atomic_read").count(), 2, "{entry}");
    assert!(out.contains("(import \"wthreads_trace\" \"order\" (memory"), "{out}");
    assert!(out.contains("(memory (;1;) 1 1 shared)"), "{out}");
    // A write side takes its seq from the order counter; a read side reads it.
    let body = |name: &str| {
        let f = &out[out.find(&format!("(func ${name}")).unwrap()..];
        f[..f.find("\n  )").unwrap()].to_string()
    };
    assert!(body("wthreads_trace_record_atomic_write").contains("i64.atomic.rmw.add 1"), "{out}");
    assert!(body("wthreads_trace_record_atomic_read").contains("i64.atomic.load 1"), "{out}");
    // Without `memory`, no access is touched.
    let plain = instrument(&patched, &Options::default()).unwrap();
    assert!(plain.sites.iter().all(|s| s.access.is_none()));
}

/// A host that waits itself: every `wait32` and `notify` on the shared memory, the runtime API's
/// (inlined by the patch) and the guest's own, becomes a call of `wthreads.wait32` /
/// `wthreads.wake` through a function that adds the instruction's offset and traps where the
/// instruction does (an address past 4 GiB, or the host's error code for a bad one). A module
/// that waits with `wait64` is left as it is, and an unpatched one is refused.
#[test]
fn host_waits_makes_every_wait_and_wake_a_call_of_the_host() {
    use std::sync::{Arc, Mutex};
    let patched = patch(&fixture("host_waits.wat")).unwrap();
    let out = wthreads_threadify::host_waits(&patched).unwrap();
    validate(&out).unwrap();
    assert!(is_patched(&out));
    let text = wasmprinter::print_bytes(&out).unwrap();
    assert!(!text.contains("memory.atomic.wait32") && !text.contains("memory.atomic.notify"), "{text}");
    assert!(text.contains("(import \"wthreads\" \"wait32\"") && text.contains("(import \"wthreads\" \"wake\""));

    let engine = engine();
    let module = wasmtime::Module::new(&engine, &out).unwrap();
    let memory = wasmtime::SharedMemory::new(&engine, wasmtime::MemoryType::shared(1, 16)).unwrap();
    let mut linker = wasmtime::Linker::new(&engine);
    // The host's side: notes each call; an address of 40 gets an error code.
    type Calls = Arc<Mutex<Vec<(&'static str, i32, i64)>>>;
    let calls: Calls = Arc::default();
    let (waits, wakes) = (Arc::clone(&calls), Arc::clone(&calls));
    linker
        .func_wrap("wthreads", "wait32", move |addr: i32, _: i32, timeout: i64| {
            waits.lock().unwrap().push(("wait32", addr, timeout));
            if addr == 40 { wthreads::abi::ERR_OUT_OF_BOUNDS } else { wthreads::abi::WAIT_NOT_EQUAL }
        })
        .unwrap();
    linker
        .func_wrap("wthreads", "wake", move |addr: i32, count: i32| {
            wakes.lock().unwrap().push(("wake", addr, i64::from(count)));
            if addr == 40 { wthreads::abi::ERR_MISALIGNED } else { 0 }
        })
        .unwrap();
    linker.func_wrap("wthreads", "wait_watched", |_: i32, _: i32, _: i32, _: i32, _: i32| 0).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    linker.define(&mut store, "env", "memory", memory).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let mut wait = |name| instance.get_typed_func::<(i32, i32, i64), i32>(&mut store, name).unwrap();
    let (api_wait, own_wait) = (wait("api_wait"), wait("own_wait"));
    let mut wake = |name| instance.get_typed_func::<(i32, i32), i32>(&mut store, name).unwrap();
    let (api_wake, own_wake, own_wake_0) = (wake("api_wake"), wake("own_wake"), wake("own_wake_0"));
    let not_equal = wthreads::abi::WAIT_NOT_EQUAL;
    assert_eq!(api_wait.call(&mut store, (16, 0, 5)).unwrap(), not_equal);
    assert_eq!(own_wait.call(&mut store, (16, 0, -1)).unwrap(), not_equal);
    assert_eq!(api_wake.call(&mut store, (16, 1)).unwrap(), 0);
    assert_eq!(own_wake.call(&mut store, (16, 2)).unwrap(), 0);
    assert_eq!(own_wake_0.call(&mut store, (16, 3)).unwrap(), 0);
    let expected = [("wait32", 16, 5), ("wait32", 24, -1), ("wake", 16, 1), ("wake", 24, 2), ("wake", 16, 3)];
    assert_eq!(calls.lock().unwrap().as_slice(), expected);
    // Where the instruction traps, so does its call: the offset past 4 GiB, a host's error.
    assert!(own_wait.call(&mut store, (-4, 0, 0)).is_err());
    assert!(own_wait.call(&mut store, (32, 0, 0)).is_err());
    assert!(own_wake_0.call(&mut store, (40, 1)).is_err());
    // The runtime API's own functions keep their error codes (checked before the call).
    assert_eq!(api_wait.call(&mut store, (42, 0, 5)).unwrap(), wthreads::abi::ERR_MISALIGNED);
    assert_eq!(calls.lock().unwrap().len(), expected.len() + 2, "the address past 4 GiB reached the host");

    // The same guest with a 64-bit wait of its own.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/host_waits.wat");
    let text = std::fs::read_to_string(path).unwrap();
    let wait64 = "(func (param i32 i64) (result i32) (memory.atomic.wait64 (local.get 0) (local.get 1) (i64.const 0)))";
    let wide = wat::parse_str(format!("{} {wait64})", text.trim_end().strip_suffix(')').unwrap())).unwrap();
    let wide = patch(&wide).unwrap();
    assert_eq!(wthreads_threadify::host_waits(&wide).unwrap(), wide);
    let err = wthreads_threadify::host_waits(&fixture("host_waits.wat")).unwrap_err();
    assert!(err.to_string().contains("patch it first"), "{err}");
}
