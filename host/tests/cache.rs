//! Compiled modules kept between runs (`wthreads_host::Cache`, `wthreads run`'s default): a
//! second load of a module comes from the cache, a changed module or engine setting compiles
//! afresh, a module starts on quick code and moves to the full code once a run has lasted long
//! enough to compile it, runs that start together share one entry, and `--no-cache` keeps
//! nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use wasmtime::{Config, Engine};
use wthreads_host::{Builder, Cache, Runtime, Tier};

/// An empty cache directory of this test's own.
fn empty_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wthreads-cache-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    dir
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut all: Vec<PathBuf> = read.map(|e| e.unwrap().path()).collect();
    all.sort();
    all
}

fn engine(configure: impl FnOnce(&mut Config)) -> Engine {
    let mut config = Config::new();
    Tier::Quick.configure(&mut config);
    configure(&mut config);
    Engine::new(&config).unwrap()
}

#[test]
fn a_second_load_comes_from_the_cache_and_a_change_compiles_afresh() {
    let dir = empty_dir("library");
    let cache = Cache::at(&dir);
    let hello = std::fs::read(wthreads_guest_tests::HELLO).unwrap();
    cache.module(&engine(|_| {}), Tier::Quick, &hello).unwrap();
    assert_eq!((cache.hits(), cache.misses(), entries(&dir).len()), (0, 1, 1));
    // The same module and settings: from the cache, and it runs.
    let module = cache.module(&engine(|_| {}), Tier::Quick, &hello).unwrap();
    assert_eq!((cache.hits(), cache.misses()), (1, 1));
    let mut linker = wasmtime::Linker::new(module.engine());
    wthreads_host::add_to_linker(&mut linker).unwrap();
    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&out);
    let rt = Builder::new()
        .on_stdout(move |b| seen.lock().unwrap().extend_from_slice(b))
        .build(&linker, &module, |ctx| ctx)
        .unwrap();
    assert_eq!(rt.main_thread().unwrap().call::<(i32, i32), i32>("main", (0, 0)).unwrap(), 0);
    assert_eq!(String::from_utf8_lossy(&out.lock().unwrap()), "hello threads: total 10\n");
    // Another module, another engine setting: compiled, each an entry of its own.
    cache.module(&engine(|_| {}), Tier::Quick, &std::fs::read(wthreads_guest_tests::EMBED).unwrap()).unwrap();
    cache.module(&engine(|c| _ = c.cranelift_opt_level(wasmtime::OptLevel::None)), Tier::Quick, &hello).unwrap();
    assert_eq!((cache.hits(), cache.misses(), entries(&dir).len()), (1, 3, 3));
    // An entry that is not a compiled module (a broken disk, another tool) is compiled again.
    for entry in entries(&dir) {
        std::fs::write(entry, b"not a compiled module").unwrap();
    }
    cache.module(&engine(|_| {}), Tier::Quick, &hello).unwrap();
    assert_eq!((cache.hits(), cache.misses()), (1, 4));
    cache.module(&engine(|_| {}), Tier::Quick, &hello).unwrap();
    assert_eq!(cache.hits(), 2, "the entry compiled again replaced the broken one");
    // A module threadify refuses is refused through the cache too, and leaves no entry.
    let before = entries(&dir).len();
    let err = cache.module(&engine(|_| {}), Tier::Quick, b"\0asm\x01\0\0\0").unwrap_err();
    assert!(err.to_string().contains("memory"), "{err}");
    assert_eq!(entries(&dir).len(), before);
    std::fs::remove_dir_all(&dir).ok();
}

/// A module starts on quick code, and takes the full code once a run has compiled it.
#[test]
fn a_module_moves_from_quick_code_to_full_code() {
    let dir = empty_dir("tiers");
    let cache = Cache::at(&dir);
    let wasm = std::fs::read(wthreads_guest_tests::EMBED).unwrap();
    cache.load(&wasm).unwrap();
    assert!(cache.holds(Tier::Quick, &wasm) && (cache.hits(), cache.misses()) == (0, 1));
    cache.load(&wasm).unwrap();
    assert_eq!((cache.hits(), cache.misses()), (1, 1), "the quick code, from the cache");
    // What a run that lasts does beside the program. Then the quick code goes.
    let quick = entries(&dir);
    cache.upgrade(&wasm).unwrap();
    assert!(cache.holds(Tier::Full, &wasm));
    for entry in quick {
        std::fs::remove_file(entry).unwrap();
    }
    assert!(!cache.holds(Tier::Quick, &wasm) && cache.holds(Tier::Full, &wasm));
    let before = (cache.hits(), cache.misses());
    let (engine, module) = cache.load(&wasm).unwrap();
    assert_eq!((cache.hits(), cache.misses()), (before.0 + 1, before.1), "the full code, from the cache");
    assert!(!cache.holds(Tier::Quick, &wasm), "nothing compiled quick again");
    // The full code runs, with the application's import.
    let mut linker = wasmtime::Linker::<wthreads_host::WthreadsCtx>::new(&engine);
    wthreads_host::add_to_linker(&mut linker).unwrap();
    linker.func_wrap("app", "report_progress", |_: u32, _: u64, _: u64| {}).unwrap();
    let rt = Builder::new().stdout(std::io::sink()).build(&linker, &module, |ctx| ctx).unwrap();
    let sum: u64 = rt.main_thread().unwrap().call("sum_of_squares", (2_u32, 10_u64)).unwrap();
    assert_eq!(sum, 385);
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(unix)]
#[test]
fn wthreads_run_uses_the_cache_from_its_second_run() {
    use std::os::unix::fs::MetadataExt;
    let dir = empty_dir("cli");
    let run = |extra: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_wthreads"))
            .args(["run", wthreads_guest_tests::HELLO])
            .args(extra)
            .env("WTHREADS_CACHE_DIR", &dir)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8_lossy(&o.stdout), "hello threads: total 10\n");
    };
    run(&["--no-cache"]);
    assert!(entries(&dir).is_empty(), "--no-cache wrote {:?}", entries(&dir));
    run(&[]);
    let entry = entries(&dir).into_iter().next().unwrap_or_else(|| panic!("no entry in {}", dir.display()));
    let written = std::fs::metadata(&entry).unwrap().ino();
    // A run that compiled would have renamed a new file into place.
    run(&[]);
    assert_eq!(std::fs::metadata(&entry).unwrap().ino(), written, "the second run compiled again");
    // A run that lasts compiles the full code beside the program: the demo's workload, a few
    // seconds on one thread, the small bench guest's full compile a quarter of one.
    let wasm = std::fs::read(wthreads_guest_tests::BENCH).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_wthreads"))
        .args(["run", wthreads_guest_tests::BENCH, "--invoke", "bench_mandelbrot", "--arg", "3000", "--arg", "2000"])
        .args(["--arg", "1"])
        .env("WTHREADS_CACHE_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let cache = Cache::at(&dir);
    assert!(cache.holds(Tier::Quick, &wasm) && cache.holds(Tier::Full, &wasm), "{:?}", entries(&dir));
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs that start together with an empty cache all run, and leave one whole entry.
#[test]
fn runs_that_start_together_share_one_entry() {
    let dir = empty_dir("together");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_wthreads"))
                .args(["run", wthreads_guest_tests::PROGRAMS, "--invoke", "calls_scale", "--arg", "4", "--arg", "0.5"])
                .env("WTHREADS_CACHE_DIR", &dir)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success());
        assert_eq!(String::from_utf8_lossy(&o.stdout), "2\n");
    }
    let all = entries(&dir);
    assert_eq!(all.len(), 1, "one entry, no part left behind: {all:?}");
    // The entry is whole: the library loads the module from it.
    let cache = Cache::at(&dir);
    let rt =
        Runtime::load_cached(&std::fs::read(wthreads_guest_tests::PROGRAMS).unwrap(), Builder::new(), Some(&cache));
    let scaled: f64 = rt.unwrap().main_thread().unwrap().call("calls_scale", (4_i64, 0.5_f64)).unwrap();
    assert_eq!((scaled, cache.hits()), (2.0, 1));
    std::fs::remove_dir_all(&dir).ok();
}

/// The directory stays within its limit: past it, the entries used longest ago go.
#[test]
fn past_the_limit_the_entries_used_longest_ago_go() {
    let dir = empty_dir("limit");
    let hello = std::fs::read(wthreads_guest_tests::HELLO).unwrap();
    // The same module for three engines' settings: three entries of about one size.
    let a = || engine(|_| {});
    let b = || engine(|c| _ = c.cranelift_opt_level(wasmtime::OptLevel::None));
    let c = || engine(|c| _ = c.cranelift_opt_level(wasmtime::OptLevel::SpeedAndSize));
    Cache::at(&dir).module(&a(), Tier::Quick, &hello).unwrap();
    let one = std::fs::metadata(&entries(&dir)[0]).unwrap().len();
    let cache = Cache::at(&dir).limit(one * 5 / 2);
    let pause = || std::thread::sleep(std::time::Duration::from_millis(20));
    pause();
    cache.module(&b(), Tier::Quick, &hello).unwrap();
    pause();
    // A is used again: B is now the one used longest ago.
    cache.module(&a(), Tier::Quick, &hello).unwrap();
    assert_eq!((cache.hits(), cache.misses()), (1, 1));
    pause();
    cache.module(&c(), Tier::Quick, &hello).unwrap();
    assert_eq!(entries(&dir).len(), 2, "{:?}", entries(&dir));
    cache.module(&a(), Tier::Quick, &hello).unwrap();
    cache.module(&c(), Tier::Quick, &hello).unwrap();
    assert_eq!((cache.hits(), cache.misses()), (3, 2), "A and C kept");
    cache.module(&b(), Tier::Quick, &hello).unwrap();
    assert_eq!(cache.misses(), 3, "B went");
    std::fs::remove_dir_all(&dir).ok();
}
