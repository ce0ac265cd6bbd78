//! The embedding API as an application uses it: its own engine and import beside the runtime
//! API, store data of its own in every thread's store, typed calls with any scalars, guest
//! memory written and read, output and events captured instead of printed; and the example
//! application (`examples/embed.rs`) run as built.

use std::sync::{Arc, Mutex};
use wasmtime::{Caller, Config, Engine, Linker, Module};
use wthreads_host::{Builder, Error, Event, WthreadsCtx, WthreadsView};

/// The progress reports: (guest thread, worker, done, of).
type Reports = Arc<Mutex<Vec<(i32, u32, u64, u64)>>>;

/// Bytes written to a captured stream.
type Captured = Arc<Mutex<Vec<u8>>>;

/// Store data with a value of the application's own.
struct App {
    wthreads: WthreadsCtx,
    calls: Reports,
}

impl WthreadsView for App {
    fn wthreads(&mut self) -> &mut WthreadsCtx {
        &mut self.wthreads
    }
}

fn engine() -> Engine {
    Engine::new(wthreads_host::configure(&mut Config::new())).unwrap()
}

fn module(engine: &Engine, path: &str) -> Module {
    Module::new(engine, wthreads_host::patch(&std::fs::read(path).unwrap()).unwrap()).unwrap()
}

/// A captured stream.
fn capture() -> (Captured, impl FnMut(&[u8]) + Send + 'static) {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buffer);
    (buffer, move |bytes: &[u8]| sink.lock().unwrap().extend_from_slice(bytes))
}

fn text(buffer: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned()
}

#[test]
fn an_import_of_the_application_is_called_from_every_guest_thread() {
    let engine = engine();
    let mut linker = Linker::<App>::new(&engine);
    wthreads_host::add_to_linker(&mut linker).unwrap();
    linker
        .func_wrap("app", "report_progress", |mut c: Caller<'_, App>, worker: u32, done: u64, of: u64| {
            let tid = c.data_mut().wthreads().thread_id();
            c.data().calls.lock().unwrap().push((tid, worker, done, of));
        })
        .unwrap();
    let module = module(&engine, wthreads_guest_tests::EMBED);
    let calls = Arc::new(Mutex::new(Vec::new()));
    let events = Arc::new(Mutex::new(Vec::new()));
    let (stdout, on_stdout) = capture();
    let (seen, shared) = (Arc::clone(&events), Arc::clone(&calls));
    let rt = Builder::new()
        .on_stdout(on_stdout)
        .on_event(move |e| seen.lock().unwrap().push(e.clone()))
        .build(&linker, &module, move |wthreads| App { wthreads, calls: Arc::clone(&shared) })
        .unwrap();
    let mut main = rt.main_thread().unwrap();
    let sum: u64 = main.call("sum_of_squares", (4_u32, 1000_u64)).unwrap();
    drop(main);
    assert_eq!(sum, 1000 * 1001 * 2001 / 6);
    assert_eq!(text(&stdout), format!("sum of squares of 1..=1000 on 4 threads: {sum}\n"));

    // Four reports from each of the four workers, each from the guest thread it runs on.
    let calls = calls.lock().unwrap();
    for worker in 0..4 {
        let mine: Vec<_> = calls.iter().filter(|c| c.1 == worker).collect();
        assert_eq!(mine.len(), 4, "worker {worker}: {calls:?}");
        assert!(mine.iter().all(|c| c.0 == mine[0].0 && c.0 >= 2), "one guest thread per worker: {calls:?}");
        assert_eq!((mine[3].2, mine[3].3), (250, 250), "{calls:?}");
    }
    let mut threads: Vec<i32> = calls.iter().map(|c| c.0).collect();
    threads.sort_unstable();
    threads.dedup();
    assert_eq!(threads, [2, 3, 4, 5]);

    // Each worker's spawn, exit and join, in that order, and the main thread's exit at the end.
    let events = events.lock().unwrap();
    let at = |want: &dyn Fn(&Event) -> bool| events.iter().position(want).unwrap_or_else(|| panic!("{events:?}"));
    for tid in [2, 3, 4, 5] {
        let spawn = at(
            &|e| matches!(e, Event::Spawn { tid: t, by: 1, name: Some(n) } if *t == tid && n.starts_with("worker ")),
        );
        let exit = at(&|e| *e == Event::Exit { tid, trapped: false });
        let join = at(&|e| *e == Event::Join { tid, by: 1, trapped: false });
        assert!(spawn < exit && exit < join, "{events:?}");
    }
    assert_eq!(events.last(), Some(&Event::Exit { tid: 1, trapped: false }));
    assert_eq!(events.len(), 13, "{events:?}");
}

#[test]
fn output_traps_and_their_events_go_to_the_embedder() {
    let (stdout, on_stdout) = capture();
    let (stderr, on_stderr) = capture();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let wasm = std::fs::read(wthreads_guest_tests::PROGRAMS).unwrap();
    let builder = Builder::new()
        .on_stdout(on_stdout)
        .on_stderr(on_stderr)
        .on_event(move |e| seen.lock().unwrap().push(e.clone()));
    let rt = wthreads_host::Runtime::load(&wasm, builder).unwrap();
    let mut main = rt.main_thread().unwrap();
    assert_eq!(main.call::<(), i32>("test_panic_in_thread", ()).unwrap(), 0);
    assert_eq!(main.call::<(), i32>("test_mutex_counter", ()).unwrap(), 0);
    assert!(text(&stdout).contains("counter = 800000"), "{}", text(&stdout));
    let stderr = text(&stderr);
    assert!(stderr.contains("thread 6 'doomed' panicked at src/panics.rs"), "{stderr}");
    assert!(stderr.contains("boom 42") && stderr.contains("static message"), "{stderr}");
    let events = events.lock().unwrap();
    let doomed = Event::Abort { tid: 6, name: Some("doomed".into()), message: String::new() };
    let abort =
        events.iter().find(|e| matches!(e, Event::Abort { tid: 6, .. })).unwrap_or_else(|| panic!("{events:?}"));
    let Event::Abort { message, name, .. } = abort else { unreachable!() };
    assert!(message.contains("boom 42") && name.as_deref() == Some("doomed"), "{abort:?} vs {doomed:?}");
    assert!(events.contains(&Event::Join { tid: 6, by: 1, trapped: true }), "{events:?}");
}

#[test]
fn typed_calls_take_any_scalars_and_memory_is_written_and_read() {
    let wasm = std::fs::read(wthreads_guest_tests::PROGRAMS).unwrap();
    let rt = wthreads_host::Runtime::load(&wasm, Builder::new()).unwrap();
    let mut main = rt.main_thread().unwrap();
    let scaled: f64 = main.call("calls_scale", (-6_000_000_000_i64, 0.5_f64)).unwrap();
    assert!((scaled - -3e9).abs() < 1e-6, "{scaled}");
    // Memory the guest allocates for the host, written, read back.
    let ptr: u32 = main.call(wthreads::abi::EXPORT_ALLOC, (16_u32, 8_u32)).unwrap();
    main.write(ptr, b"sixteen bytes..!").unwrap();
    assert_eq!(main.read(ptr, 16).unwrap(), b"sixteen bytes..!");
    main.call::<(u32, u32, u32), ()>(wthreads::abi::EXPORT_FREE, (ptr, 16, 8)).unwrap();

    // What does not fit is refused with the reason, and the runtime goes on.
    let err = |r: Result<(), Error>| match r {
        Err(Error::Module(m)) => m,
        other => panic!("not refused: {other:?}"),
    };
    let m = err(main.call::<(i32,), f64>("calls_scale", (1,)).map(|_| ()));
    assert!(m.contains("`calls_scale` has type (i64, f64) -> (f64)"), "{m}");
    let m = err(main.call::<(), ()>("no_such_export", ()));
    assert!(m.contains("no exported function `no_such_export`"), "{m}");
    let m = err(main.write(u32::MAX - 2, b"four"));
    assert!(m.contains("guest memory has no range at 0xfffffffd+4"), "{m}");
    let m = err(main.read(ptr, 1 << 31).map(|_| ()));
    assert!(m.contains("guest memory has no range"), "{m}");
    assert_eq!(main.call::<(i32,), i64>("calls_add", (5,)).unwrap(), 5);
}

#[test]
fn a_module_that_imports_what_the_linker_lacks_is_refused_by_name() {
    let engine = engine();
    let module = module(&engine, wthreads_guest_tests::EMBED);
    // The runtime API but not the application's import.
    let mut linker = Linker::<WthreadsCtx>::new(&engine);
    wthreads_host::add_to_linker(&mut linker).unwrap();
    let Err(Error::Module(m)) = Builder::new().build(&linker, &module, |ctx| ctx) else { panic!("built") };
    assert!(m.contains("unsupported import `app.report_progress`"), "{m}");
    // No runtime API at all.
    let linker = Linker::<WthreadsCtx>::new(&engine);
    let Err(Error::Module(m)) = Builder::new().build(&linker, &module, |ctx| ctx) else { panic!("built") };
    assert!(m.contains("call `wthreads_host::add_to_linker` on it"), "{m}");
    // An engine without threads cannot compile a module with a shared memory at all.
    let plain = Engine::new(Config::new().wasm_threads(false).shared_memory(false)).unwrap();
    let wasm = std::fs::read(wthreads_guest_tests::EMBED).unwrap();
    assert!(Module::new(&plain, wthreads_host::patch(&wasm).unwrap()).is_err());
}

/// The example application, as `cargo test` built it.
#[test]
fn the_embed_example_reports_progress_from_four_threads() {
    let exe = std::env::current_exe().unwrap();
    let example = exe.parent().and_then(|deps| deps.parent()).unwrap().join("examples/embed");
    assert!(example.exists(), "{} is missing: cargo test builds the examples", example.display());
    let o = std::process::Command::new(&example).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", String::from_utf8_lossy(&o.stderr));
    for line in [
        "progress reports: 16 from guest threads [2, 3, 4, 5]",
        "workers finished: [0, 1, 2, 3]",
        "events: 4 spawn, 4 join, 5 exit, 0 abort",
        "guest stdout: sum of squares of 1..=1000000 on 4 threads: 333333833333500000",
    ] {
        assert!(out.contains(line), "the example did not print `{line}`:\n{out}");
    }
}
