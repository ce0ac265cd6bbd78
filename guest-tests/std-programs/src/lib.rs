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
