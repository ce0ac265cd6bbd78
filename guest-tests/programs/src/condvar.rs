//! Condvar: producer/consumer, notify_all, timeouts, spurious wake-ups.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use core::time::Duration;
use wthreads::sync::{Arc, Condvar, Mutex};
use wthreads::thread;
use wthreads::time::Instant;

#[unsafe(no_mangle)]
pub extern "C" fn test_condvar_producer_consumer() -> i32 {
    // A bounded queue of 8 between 4 producers and 4 consumers, 5,000 items each.
    struct Queue {
        items: Mutex<(VecDeque<u64>, usize)>,
        not_empty: Condvar,
        not_full: Condvar,
    }
    let q = Arc::new(Queue {
        items: Mutex::new((VecDeque::new(), 0)),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
    });
    let producers: Vec<_> = (0..4u64)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for i in 0..u64::from(crate::rounds(5_000)) {
                    let mut g = q.not_full.wait_while(q.items.lock().unwrap(), |(v, _)| v.len() >= 8).unwrap();
                    g.0.push_back(p * 1_000_000 + i);
                    drop(g);
                    q.not_empty.notify_one();
                }
                let mut g = q.items.lock().unwrap();
                g.1 += 1;
                drop(g);
                q.not_empty.notify_all();
            })
        })
        .collect();
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let (mut sum, mut n) = (0u64, 0u64);
                loop {
                    let mut g =
                        q.not_empty.wait_while(q.items.lock().unwrap(), |(v, done)| v.is_empty() && *done < 4).unwrap();
                    match g.0.pop_front() {
                        Some(x) => {
                            drop(g);
                            q.not_full.notify_one();
                            sum += x;
                            n += 1;
                        }
                        None => return (sum, n),
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let (sum, n) = consumers.into_iter().map(|c| c.join().unwrap()).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let per = u64::from(crate::rounds(5_000));
    let expected: u64 = (0..4u64).map(|p| (0..per).map(|i| p * 1_000_000 + i).sum::<u64>()).sum();
    assert_eq!(n, 4 * per, "items lost or duplicated");
    assert_eq!(sum, expected);
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_condvar_notify_all() -> i32 {
    let state = Arc::new((Mutex::new((false, 0u32)), Condvar::new()));
    let waiters: Vec<_> = (0..8)
        .map(|_| {
            let s = Arc::clone(&state);
            thread::spawn(move || {
                let (m, c) = &*s;
                let mut g = m.lock().unwrap();
                g.1 += 1;
                c.notify_all(); // tells main one more waiter is in place
                let g = c.wait_while(g, |(go, _)| !*go).unwrap();
                assert!(g.0);
            })
        })
        .collect();
    let (m, c) = &*state;
    let mut g = c.wait_while(m.lock().unwrap(), |(_, n)| *n < 8).unwrap();
    g.0 = true;
    drop(g);
    c.notify_all();
    for w in waiters {
        w.join().unwrap();
    }
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_condvar_timeouts() -> i32 {
    let m = Mutex::new(0u32);
    let c = Condvar::new();
    // A timed wait nobody notifies ends by the timeout, not before it.
    let t = Instant::now();
    let (g, r) = c.wait_timeout(m.lock().unwrap(), Duration::from_millis(30)).unwrap();
    assert!(r.timed_out());
    assert!(t.elapsed() >= Duration::from_millis(30), "woke after {:?}", t.elapsed());
    drop(g);
    // wait_timeout_while waits out the whole duration across wake-ups.
    let t = Instant::now();
    let (g, r) = c.wait_timeout_while(m.lock().unwrap(), Duration::from_millis(20), |n| *n == 0).unwrap();
    assert!(r.timed_out() && *g == 0);
    assert!(t.elapsed() >= Duration::from_millis(20));
    drop(g);
    // ...and ends early, not timed out, when another thread makes the condition false.
    let shared = Arc::new((Mutex::new(0u32), Condvar::new()));
    let s = Arc::clone(&shared);
    let setter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        *s.0.lock().unwrap() = 1;
        s.1.notify_one();
    });
    let (m, c) = &*shared;
    let (g, r) = c.wait_timeout_while(m.lock().unwrap(), Duration::from_secs(10), |n| *n == 0).unwrap();
    assert!(!r.timed_out());
    assert_eq!(*g, 1);
    drop(g);
    setter.join().unwrap();
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_condvar_spurious_wakeups() -> i32 {
    // Notifications without the condition becoming true must not end `wait_while`.
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let returned = Arc::new(AtomicBool::new(false));
    let woken = Arc::new(AtomicU32::new(0));
    let (s, r, w) = (Arc::clone(&shared), Arc::clone(&returned), Arc::clone(&woken));
    let waiter = thread::spawn(move || {
        let (m, c) = &*s;
        let g = c
            .wait_while(m.lock().unwrap(), |ready| {
                w.fetch_add(1, Ordering::Relaxed);
                !*ready
            })
            .unwrap();
        r.store(true, Ordering::Release);
        assert!(*g);
    });
    let (m, c) = &*shared;
    // Notify until the waiter has woken (and re-checked its condition) several times.
    let t = Instant::now();
    while woken.load(Ordering::Relaxed) < 5 {
        assert!(t.elapsed() < Duration::from_secs(20), "the waiter never woke up");
        c.notify_all();
        thread::sleep(Duration::from_micros(200));
        assert!(!returned.load(Ordering::Acquire), "wait_while returned with the condition false");
    }
    assert!(!returned.load(Ordering::Acquire), "wait_while returned with the condition false");
    *m.lock().unwrap() = true;
    c.notify_one();
    waiter.join().unwrap();
    assert!(returned.load(Ordering::Acquire));
    0
}
