//! `wthreads::thread_local!` on stable no_std: lazy per-thread values, destructors in reverse
//! order at thread end (also for detached threads), the Cell/RefCell helpers.

use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;
use wthreads::thread_local;
use wthreads::time::Instant;

static INITS: AtomicU32 = AtomicU32::new(0);

thread_local! {
    static COUNTER: Cell<u64> = const { Cell::new(0) };
    static LAZY: u32 = INITS.fetch_add(1, Ordering::Relaxed) + 100;
    static LIST: RefCell<Vec<u32>> = RefCell::new(Vec::new());
}

#[unsafe(no_mangle)]
pub extern "C" fn test_thread_local_per_thread() -> i32 {
    COUNTER.set(1_000);
    let handles: Vec<_> = (0..8u64)
        .map(|i| {
            thread::spawn(move || {
                assert_eq!(COUNTER.get(), 0, "a new thread starts from the initial value");
                for _ in 0..=i {
                    COUNTER.set(COUNTER.get() + 1);
                }
                thread::sleep(Duration::from_millis(2));
                COUNTER.get()
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), i as u64 + 1);
    }
    assert_eq!(COUNTER.get(), 1_000, "another thread changed this thread's value");
    // Initialised lazily: only threads that touch LAZY run its initialiser.
    let before = INITS.load(Ordering::Relaxed);
    let idle: Vec<_> = (0..4).map(|_| thread::spawn(|| ())).collect();
    let busy: Vec<_> = (0..3).map(|_| thread::spawn(|| LAZY.with(|v| *v >= 100))).collect();
    idle.into_iter().for_each(|h| h.join().unwrap());
    busy.into_iter().for_each(|h| assert!(h.join().unwrap()));
    assert_eq!(INITS.load(Ordering::Relaxed) - before, 3);
    // The Cell and RefCell helpers.
    assert_eq!(COUNTER.replace(5), 1_000);
    assert_eq!(COUNTER.take(), 5);
    assert_eq!(COUNTER.get(), 0);
    LIST.with_borrow_mut(|l| l.extend([1, 2]));
    LIST.with_borrow(|l| assert_eq!(l, &[1, 2]));
    LIST.set(alloc::vec![3]);
    assert_eq!(LIST.replace(alloc::vec![4]), [3]);
    assert_eq!(LIST.take(), [4]);
    assert_eq!(LAZY.try_with(|v| *v >= 100), Ok(true));
    0
}

/// Records its drop in a shared log.
struct Noisy {
    tag: u32,
    log: Option<Arc<Mutex<Vec<u32>>>>,
}

impl Drop for Noisy {
    fn drop(&mut self) {
        if let Some(log) = &self.log {
            log.lock().unwrap().push(self.tag);
        }
        DROPS.fetch_add(1, Ordering::Release);
    }
}

static DROPS: AtomicU32 = AtomicU32::new(0);

thread_local! {
    static FIRST: RefCell<Noisy> = RefCell::new(Noisy { tag: 1, log: None });
    static SECOND: RefCell<Noisy> = RefCell::new(Noisy { tag: 2, log: None });
    static THIRD: RefCell<Noisy> = RefCell::new(Noisy { tag: 3, log: None });
}

#[unsafe(no_mangle)]
pub extern "C" fn test_thread_local_destructors() -> i32 {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&log);
    thread::spawn(move || {
        // Initialised in the order SECOND, FIRST, THIRD: dropped THIRD, FIRST, SECOND.
        SECOND.with_borrow_mut(|n| n.log = Some(Arc::clone(&l)));
        FIRST.with_borrow_mut(|n| n.log = Some(Arc::clone(&l)));
        THIRD.with_borrow_mut(|n| n.log = Some(l));
    })
    .join()
    .unwrap();
    assert_eq!(*log.lock().unwrap(), [3, 1, 2], "destructors not run in reverse order");

    // Detached threads run their destructors too; 100 of them, 2 values each.
    let before = DROPS.load(Ordering::Acquire);
    for _ in 0..100 {
        drop(thread::spawn(|| {
            FIRST.with(|_| ());
            THIRD.with(|_| ());
        }));
    }
    let t = Instant::now();
    while DROPS.load(Ordering::Acquire) - before < 200 {
        assert!(t.elapsed() < Duration::from_secs(20), "detached threads' destructors did not run");
        thread::sleep(Duration::from_millis(1));
    }
    thread::sleep(Duration::from_millis(20));
    assert_eq!(DROPS.load(Ordering::Acquire) - before, 200, "a destructor ran twice");
    0
}

struct Probe;

thread_local! {
    static GONE: Cell<u32> = const { Cell::new(1) };
    static PROBE: Probe = const { Probe };
    static OUTCOME: Cell<u32> = const { Cell::new(0) };
}

static PROBE_RESULT: AtomicU32 = AtomicU32::new(0);

impl Drop for Probe {
    fn drop(&mut self) {
        // GONE was initialised after PROBE, so it is destroyed already: try_with says so.
        let r = GONE.try_with(Cell::get);
        PROBE_RESULT.store(if r.is_err() { 1 } else { 2 }, Ordering::Release);
        // A key first used during destruction is initialised and destroyed in turn.
        OUTCOME.set(5);
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn test_thread_local_access_during_destruction() -> i32 {
    thread::spawn(|| {
        PROBE.with(|_| ());
        GONE.set(2);
    })
    .join()
    .unwrap();
    assert_eq!(PROBE_RESULT.load(Ordering::Acquire), 1, "a destroyed value was reachable");
    0
}
