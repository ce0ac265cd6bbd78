//! Scoped threads: borrowing, joining at the end, panics.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;
use wthreads::thread;

#[unsafe(no_mangle)]
pub extern "C" fn test_scope_borrows() -> i32 {
    let data: Vec<u64> = (1..=10_000).collect();
    let mut squares = alloc::vec![0u64; data.len()];
    let finished = AtomicU32::new(0);
    let total: u64 = thread::scope(|s| {
        // Threads write into disjoint borrowed chunks; nobody joins them explicitly.
        for (out, inp) in squares.chunks_mut(2_500).zip(data.chunks(2_500)) {
            let finished = &finished;
            s.spawn(move || {
                thread::sleep(Duration::from_millis(5));
                for (o, i) in out.iter_mut().zip(inp) {
                    *o = i * i;
                }
                finished.fetch_add(1, Ordering::Relaxed);
            });
        }
        let sums: Vec<_> = data.chunks(1_000).map(|c| s.spawn(move || c.iter().sum::<u64>())).collect();
        sums.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(total, 50_005_000);
    // Every thread was joined by the end of the scope.
    assert_eq!(finished.load(Ordering::Relaxed), 4);
    assert!(squares.iter().zip(&data).all(|(s, d)| *s == d * d));
    // Scoped threads may spawn more scoped threads.
    let n = AtomicU32::new(0);
    thread::scope(|s| {
        s.spawn(|| {
            s.spawn(|| {
                thread::sleep(Duration::from_millis(5));
                n.fetch_add(1, Ordering::Relaxed);
            });
            n.fetch_add(1, Ordering::Relaxed);
        });
    });
    assert_eq!(n.load(Ordering::Relaxed), 2);
    let name = thread::scope(|s| {
        let h = thread::Builder::new()
            .name(String::from("scoped"))
            .spawn_scoped(s, || thread::current().name().map(String::from))
            .unwrap();
        assert_eq!(h.thread().name(), Some("scoped"));
        h.join().unwrap()
    });
    assert_eq!(name.as_deref(), Some("scoped"));
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_scope_panics() -> i32 {
    // A panic joined through its handle is the caller's business: the scope returns.
    let r = thread::scope(|s| s.spawn(|| panic!("handled")).join());
    assert_eq!(r.unwrap_err().downcast_ref::<&str>(), Some(&"handled"));
    // A panic nobody joined makes the scope panic after joining everyone, as in std.
    let other_done = AtomicU32::new(0);
    let outcome = thread::scope(|outer| {
        outer
            .spawn(|| {
                thread::scope(|s| {
                    s.spawn(|| panic!("unhandled"));
                    s.spawn(|| {
                        thread::sleep(Duration::from_millis(20));
                        other_done.store(1, Ordering::Relaxed);
                    });
                });
            })
            .join()
    });
    let err = outcome.unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"a scoped thread panicked"));
    assert_eq!(other_done.load(Ordering::Relaxed), 1, "the scope did not wait for its other thread");
    0
}
