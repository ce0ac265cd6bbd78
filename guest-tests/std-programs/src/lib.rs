//! Guest programs that use std (built with nightly `-Zbuild-std=std,panic_abort`): std's own
//! `thread_local!` and `#[thread_local]` inside threads spawned by wthreads.
#![feature(thread_local)]

use std::cell::Cell;
use std::sync::{Arc, Mutex};
use wthreads::thread;

std::thread_local! {
    static COUNTER: Cell<u64> = const { Cell::new(0) };
    static NAME: std::cell::RefCell<String> = std::cell::RefCell::new(String::from("unset"));
}

#[thread_local]
static RAW: Cell<u32> = Cell::new(7);

#[unsafe(no_mangle)]
pub extern "C" fn test_thread_local_distinct() -> i32 {
    COUNTER.with(|c| c.set(1000));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..8u64)
        .map(|i| {
            let seen = Arc::clone(&seen);
            thread::spawn(move || {
                // Fresh per thread: initial values, not the main thread's.
                assert_eq!(COUNTER.with(Cell::get), 0);
                assert_eq!(RAW.get(), 7);
                COUNTER.with(|c| c.set(i));
                RAW.set(i as u32 * 10);
                NAME.with(|n| *n.borrow_mut() = format!("thread-{i}"));
                for _ in 0..1000 {
                    COUNTER.with(|c| c.set(c.get() + 1));
                    thread::yield_now();
                }
                let mine = (COUNTER.with(Cell::get), RAW.get(), NAME.with(|n| n.borrow().clone()));
                seen.lock().unwrap().push(mine.clone());
                mine
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let (count, raw, name) = h.join().unwrap();
        assert_eq!(count, i as u64 + 1000);
        assert_eq!(raw, i as u32 * 10);
        assert_eq!(name, format!("thread-{i}"));
    }
    assert_eq!(seen.lock().unwrap().len(), 8);
    assert_eq!(COUNTER.with(Cell::get), 1000, "the main thread's value changed");
    assert_eq!(RAW.get(), 7);
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_std_sync_in_threads() -> i32 {
    let pair = Arc::new((Mutex::new(0u32), std::sync::Condvar::new()));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (m, cv) = &*pair;
                *m.lock().unwrap() += 1;
                cv.notify_all();
            })
        })
        .collect();
    let (m, cv) = &*pair;
    let guard = cv.wait_while(m.lock().unwrap(), |n| *n < 4).unwrap();
    assert_eq!(*guard, 4);
    drop(guard);
    for h in handles {
        h.join().unwrap();
    }
    0
}

/// Blocks, then checks, std's `OnceLock` and `LazyLock` shared by wthreads threads.
#[unsafe(no_mangle)]
pub extern "C" fn test_std_once_lock_in_threads() -> i32 {
    static CELL: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    static LAZY: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| (1..=100).sum());
    static INITS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let handles: Vec<_> = (0..8u32)
        .map(|i| {
            thread::spawn(move || {
                let v = CELL.get_or_init(|| {
                    INITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    thread::sleep(std::time::Duration::from_millis(5));
                    vec![i; 4]
                });
                (v.clone(), *LAZY)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(results[0].1, 5050);
    assert_eq!(INITS.load(std::sync::atomic::Ordering::Relaxed), 1);
    0
}

/// A panic in a std guest's thread reaches `join` with its payload, like in no_std guests.
#[unsafe(no_mangle)]
pub extern "C" fn test_std_panic_payload() -> i32 {
    let err = thread::spawn(|| -> u32 { panic!("std guest {}", std::hint::black_box(7)) }).join().unwrap_err();
    assert_eq!(err.downcast_ref::<String>().map(String::as_str), Some("std guest 7"));
    let err = thread::spawn(|| panic!("literal")).join().unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"literal"));
    // A std Mutex held by the dead thread stays locked (std poisons only by unwinding); the
    // wthreads Mutex is recovered and poisoned.
    let m = Arc::new(wthreads::sync::Mutex::new(1));
    let m2 = Arc::clone(&m);
    assert!(
        thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("holding a wthreads lock");
        })
        .join()
        .is_err()
    );
    assert!(m.lock().is_err(), "the wthreads Mutex is reported as poisoned");
    0
}

struct Tracked(&'static std::sync::atomic::AtomicU32);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

static STD_DROPS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
static WT_DROPS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

std::thread_local!(static STD_TRACKED: Tracked = Tracked(&STD_DROPS));
wthreads::thread_local!(static WT_TRACKED: Tracked = Tracked(&WT_DROPS));

/// What std itself cannot do on this target, and what wthreads offers instead: std's
/// `thread_local!` never runs destructors on wasm32-unknown-unknown, `wthreads::thread_local!`
/// does. (If a future std runs them, this test fails and the README must be updated.)
#[unsafe(no_mangle)]
pub extern "C" fn test_std_tls_destructors() -> i32 {
    for _ in 0..4 {
        thread::spawn(|| {
            STD_TRACKED.with(|_| ());
            WT_TRACKED.with(|_| ());
        })
        .join()
        .unwrap();
    }
    let (std_drops, wt_drops) =
        (STD_DROPS.load(std::sync::atomic::Ordering::SeqCst), WT_DROPS.load(std::sync::atomic::Ordering::SeqCst));
    println_host(&format!("std thread_local destructors run: {std_drops}, wthreads::thread_local: {wt_drops}"));
    assert_eq!(wt_drops, 4);
    assert_eq!(std_drops, 0, "std now runs TLS destructors on this target: update the README");
    0
}

fn println_host(s: &str) {
    wthreads::println!("{s}");
}

mod rayon_pool;
