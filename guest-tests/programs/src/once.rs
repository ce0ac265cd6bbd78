//! Once, OnceLock, LazyLock: one initialisation, waiters see its effects.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;
use wthreads::sync::{Arc, Barrier, LazyLock, Once, OnceLock};
use wthreads::thread;

static ONCE: Once = Once::new();
static ONCE_RUNS: AtomicU32 = AtomicU32::new(0);
static ONCE_VALUE: AtomicU32 = AtomicU32::new(0);

#[unsafe(no_mangle)]
pub extern "C" fn test_once_runs_once() -> i32 {
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let b = Arc::clone(&barrier);
            thread::spawn(move || {
                b.wait();
                ONCE.call_once(|| {
                    ONCE_RUNS.fetch_add(1, Ordering::Relaxed);
                    thread::sleep(Duration::from_millis(20)); // the others must wait
                    ONCE_VALUE.store(42, Ordering::Relaxed);
                });
                // The closure's effects are visible once call_once returns.
                ONCE_VALUE.load(Ordering::Relaxed)
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 42);
    }
    assert_eq!(ONCE_RUNS.load(Ordering::Relaxed), 1);
    assert!(ONCE.is_completed());
    ONCE.wait();
    let forced = Once::new();
    forced.call_once_force(|s| assert!(!s.is_poisoned()));
    assert!(forced.is_completed());
    0
}

static CELL: OnceLock<Vec<u32>> = OnceLock::new();
static CELL_INITS: AtomicU32 = AtomicU32::new(0);

#[unsafe(no_mangle)]
pub extern "C" fn test_once_lock() -> i32 {
    // A thread waits for a value another sets.
    let waiter = thread::spawn(|| CELL.wait().len());
    let handles: Vec<_> = (0..8u32)
        .map(|i| {
            thread::spawn(move || {
                CELL.get_or_init(|| {
                    CELL_INITS.fetch_add(1, Ordering::Relaxed);
                    alloc::vec![i; 3]
                })
                .clone()
            })
        })
        .collect();
    let values: Vec<Vec<u32>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(values.windows(2).all(|w| w[0] == w[1]), "threads saw different values");
    assert_eq!(CELL_INITS.load(Ordering::Relaxed), 1);
    assert_eq!(waiter.join().unwrap(), 3);
    assert_eq!(CELL.set(alloc::vec![]), Err(alloc::vec![]));

    let mut cell = OnceLock::new();
    assert_eq!(cell.get(), None);
    assert_eq!(cell.set(1), Ok(()));
    assert_eq!(cell.take(), Some(1));
    assert_eq!(cell.get(), None);
    assert_eq!(cell.set(2), Ok(()));
    assert_eq!(cell.into_inner(), Some(2));
    0
}

static LAZY_INITS: AtomicU32 = AtomicU32::new(0);
static LAZY: LazyLock<Vec<u64>> = LazyLock::new(|| {
    LAZY_INITS.fetch_add(1, Ordering::Relaxed);
    thread::sleep(Duration::from_millis(10));
    (0..1000).collect()
});

#[unsafe(no_mangle)]
pub extern "C" fn test_lazy_lock() -> i32 {
    let handles: Vec<_> = (0..8).map(|_| thread::spawn(|| LAZY.iter().sum::<u64>())).collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 499_500);
    }
    assert_eq!(LAZY_INITS.load(Ordering::Relaxed), 1);
    let local = LazyLock::new(|| 6 * 7);
    assert_eq!(*LazyLock::force(&local), 42);
    0
}
