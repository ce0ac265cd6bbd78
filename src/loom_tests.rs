//! Model checks of the blocking primitives with loom: every interleaving of their atomic
//! operations and futex waits (up to a preemption bound), with loom's model of weak memory.
//!
//! Run by `scripts/loom.sh` (`RUSTFLAGS="--cfg loom" cargo test --release --features native-runtime
//! --lib loom`). The futex is emulated with loom's lock and condition variable
//! (`sys/futex_table.rs`), so a lost wake-up shows as a deadlock, and the data each primitive
//! protects is a `loom::cell::UnsafeCell`, so a missing happens-before edge shows as a data race.
//! `LOOM_MAX_PREEMPTIONS` raises the bound (default 3 here).

use crate::sync::{Arc, Barrier, Condvar, Mutex, Once, RwLock, mpsc};
use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

/// A cell shared between model threads; each test says what orders the accesses, and loom
/// reports a data race if that order is missing.
struct Shared(UnsafeCell<usize>);

// SAFETY: every access goes through loom's `UnsafeCell`, which checks at run time that
// accesses are ordered (that is what these tests assert); no access is unchecked.
unsafe impl Sync for Shared {}

impl Shared {
    fn new() -> Shared {
        Shared(UnsafeCell::new(0))
    }
    fn get(&self) -> usize {
        // SAFETY: loom checks that no write is concurrent with this read.
        self.0.with(|p| unsafe { *p })
    }
    fn set(&self, v: usize) {
        // SAFETY: loom checks that no access is concurrent with this write.
        self.0.with_mut(|p| unsafe { *p = v });
    }
}

/// Runs `f` under loom with this module's preemption bound.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// Increments the cell behind `m` under its lock.
fn increment(m: &Mutex<Shared>) {
    let g = m.lock().unwrap();
    g.set(g.get() + 1);
}

/// Two spawned threads increment under the mutex, and so does the model's own thread if
/// `main_too`; every increment must land, with no concurrent access to the cell.
fn mutex_model(main_too: bool) {
    model(move || {
        let m = Arc::new(Mutex::new(Shared::new()));
        let threads: alloc::vec::Vec<_> = (0..2)
            .map(|_| {
                let m = Arc::clone(&m);
                thread::spawn(move || increment(&m))
            })
            .collect();
        if main_too {
            increment(&m);
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(m.lock().unwrap().get(), 2 + usize::from(main_too));
    });
}

#[test]
fn loom_mutex_excludes_and_publishes() {
    mutex_model(false);
}

#[test]
fn loom_mutex_contended_by_three() {
    mutex_model(true);
}

#[test]
fn loom_condvar_never_loses_a_notification() {
    model(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let p = Arc::clone(&pair);
        let t = thread::spawn(move || {
            *p.0.lock().unwrap() = true;
            p.1.notify_one();
        });
        let (m, c) = &*pair;
        let mut ready = m.lock().unwrap();
        while !*ready {
            ready = c.wait(ready).unwrap();
        }
        drop(ready);
        t.join().unwrap();
    });
}

#[test]
fn loom_condvar_notify_all_reaches_two_waiters() {
    model(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let waiters: alloc::vec::Vec<_> = (0..2)
            .map(|_| {
                let p = Arc::clone(&pair);
                thread::spawn(move || {
                    let _g = p.1.wait_while(p.0.lock().unwrap(), |go| !*go).unwrap();
                })
            })
            .collect();
        *pair.0.lock().unwrap() = true;
        pair.1.notify_all();
        for w in waiters {
            w.join().unwrap();
        }
    });
}

#[test]
fn loom_rwlock_writer_excludes_readers() {
    model(|| {
        let l = Arc::new(RwLock::new(Shared::new()));
        let l2 = Arc::clone(&l);
        let writer = thread::spawn(move || {
            let w = l2.write().unwrap();
            w.set(w.get() + 1);
        });
        let l3 = Arc::clone(&l);
        let reader = thread::spawn(move || assert!(l3.read().unwrap().get() <= 1));
        assert!(l.read().unwrap().get() <= 1);
        writer.join().unwrap();
        reader.join().unwrap();
        assert_eq!(l.read().unwrap().get(), 1);
    });
}

#[test]
fn loom_rwlock_downgrade_lets_a_waiting_reader_in() {
    model(|| {
        let l = Arc::new(RwLock::new(Shared::new()));
        let w = l.write().unwrap();
        w.set(1);
        let l2 = Arc::clone(&l);
        // The reader may come before or after the downgrade; either way it sees the write and is
        // never left asleep while the downgraded guard lives.
        let reader = thread::spawn(move || l2.read().unwrap().get());
        let r = crate::sync::RwLockWriteGuard::downgrade(w);
        assert_eq!(reader.join().unwrap(), 1);
        assert_eq!(r.get(), 1);
    });
}

#[test]
fn loom_once_runs_once_and_publishes() {
    model(|| {
        let once = Arc::new(Once::new());
        let data = Arc::new(Shared::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let threads: alloc::vec::Vec<_> = (0..2)
            .map(|_| {
                let (once, data, runs) = (Arc::clone(&once), Arc::clone(&data), Arc::clone(&runs));
                thread::spawn(move || {
                    once.call_once(|| {
                        runs.fetch_add(1, Ordering::Relaxed);
                        data.set(7);
                    });
                    // `call_once` returned, so the runner's write happened-before this read.
                    assert_eq!(data.get(), 7);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(runs.load(Ordering::Relaxed), 1);
    });
}

#[test]
fn loom_park_unpark_never_loses_the_token() {
    model(|| {
        let flag = Arc::new(loom::sync::atomic::AtomicBool::new(false));
        let me = crate::thread::current();
        let f = Arc::clone(&flag);
        let t = thread::spawn(move || {
            f.store(true, Ordering::Release);
            me.unpark();
        });
        while !flag.load(Ordering::Acquire) {
            crate::thread::park();
        }
        t.join().unwrap();
    });
}

#[test]
fn loom_channel_delivers_from_two_senders() {
    model(|| {
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(1).unwrap());
        let b = thread::spawn(move || tx2.send(2).unwrap());
        let sum = rx.recv().unwrap() + rx.recv().unwrap();
        assert_eq!(sum, 3);
        assert!(rx.recv().is_err(), "both senders gone");
        a.join().unwrap();
        b.join().unwrap();
    });
}

#[test]
fn loom_sync_channel_rendezvous() {
    model(|| {
        let (tx, rx) = mpsc::sync_channel(0);
        let t = thread::spawn(move || {
            tx.send(5).unwrap();
        });
        assert_eq!(rx.recv().unwrap(), 5);
        t.join().unwrap();
    });
}

#[test]
fn loom_barrier_releases_both() {
    model(|| {
        let b = Arc::new(Barrier::new(2));
        let b2 = Arc::clone(&b);
        let t = thread::spawn(move || b2.wait().is_leader());
        let me = b.wait().is_leader();
        let other = t.join().unwrap();
        assert!(me != other, "exactly one leader");
    });
}
