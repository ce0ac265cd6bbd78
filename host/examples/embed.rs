//! An application that embeds the wthreads runtime with its own engine, its own import and its
//! own store data: the guest (`guest-tests/embed`) sums on several threads, each of which
//! reports its progress through `app.report_progress`; the application shows the progress as
//! it comes, collects the runtime's events and captures the guest's output.
//!
//! `cargo run --release -p wthreads-host --example embed [GUEST.wasm] [THREADS]`

use std::sync::{Arc, Mutex};
use wasmtime::{Caller, Config, Engine, Linker, Module};
use wthreads_host::{Builder, Event, WthreadsCtx, WthreadsView};

/// One progress report: the guest thread that called, its worker number, how far it got.
#[derive(Debug)]
struct Progress {
    thread: i32,
    worker: u32,
    done: u64,
    of: u64,
}

/// The application's store data, one per store the runtime makes: the runtime's context and
/// the application's own state, shared by every thread.
struct App {
    wthreads: WthreadsCtx,
    progress: Arc<Mutex<Vec<Progress>>>,
}

impl WthreadsView for App {
    fn wthreads(&mut self) -> &mut WthreadsCtx {
        &mut self.wthreads
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| wthreads_guest_tests::EMBED.into());
    let threads: u32 = args.next().map_or(Ok(4), |t| t.parse())?;

    // The application's engine and linker: the runtime API beside its own import.
    let engine = Engine::new(wthreads_host::configure(&mut Config::new()))?;
    let mut linker = Linker::<App>::new(&engine);
    wthreads_host::add_to_linker(&mut linker)?;
    linker.func_wrap("app", "report_progress", |mut c: Caller<'_, App>, worker: u32, done: u64, of: u64| {
        let thread = c.data_mut().wthreads.thread_id();
        println!("  progress: thread {thread} (worker {worker}) {done}/{of}");
        c.data().progress.lock().unwrap().push(Progress { thread, worker, done, of });
    })?;
    let module = Module::new(&engine, wthreads_host::patch(&std::fs::read(&path)?)?)?;

    let events = Arc::new(Mutex::new(Vec::new()));
    let output = Arc::new(Mutex::new(Vec::new()));
    let progress = Arc::new(Mutex::new(Vec::new()));
    let (seen, out, shared) = (Arc::clone(&events), Arc::clone(&output), Arc::clone(&progress));
    let rt = Builder::new()
        .max_threads(16)
        .on_event(move |e: &Event| seen.lock().unwrap().push(e.clone()))
        .on_stdout(move |bytes| out.lock().unwrap().extend_from_slice(bytes))
        .build(&linker, &module, move |wthreads| App { wthreads, progress: Arc::clone(&shared) })?;

    let mut main = rt.main_thread()?;
    let sum: u64 = main.call("sum_of_squares", (threads, 1_000_000_u64))?;
    drop(main);

    println!("sum: {sum}");
    let reports = progress.lock().unwrap();
    let mut callers: Vec<i32> = reports.iter().map(|p| p.thread).collect();
    callers.sort_unstable();
    callers.dedup();
    println!("progress reports: {} from guest threads {callers:?}", reports.len());
    let mut finished: Vec<u32> = reports.iter().filter(|p| p.done == p.of).map(|p| p.worker).collect();
    finished.sort_unstable();
    println!("workers finished: {finished:?}");
    let events = events.lock().unwrap();
    let count = |f: fn(&Event) -> bool| events.iter().filter(|e| f(e)).count();
    println!(
        "events: {} spawn, {} join, {} exit, {} abort",
        count(|e| matches!(e, Event::Spawn { .. })),
        count(|e| matches!(e, Event::Join { .. })),
        count(|e| matches!(e, Event::Exit { .. })),
        count(|e| matches!(e, Event::Abort { .. })),
    );
    print!("guest stdout: {}", String::from_utf8_lossy(&output.lock().unwrap()));
    Ok(())
}
