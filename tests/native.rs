//! The guest library's primitives as native code: its runtime API backed by std threads and an
//! emulated futex (`src/sys/native.rs`). The same tests run under Miri (`scripts/miri.sh`),
//! which checks them for undefined behaviour and data races; the loops are shorter there.
#![cfg(not(any(target_arch = "wasm32", loom)))]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wthreads::sync::{Arc, Barrier, Condvar, LazyLock, Mutex, Once, OnceLock, RwLock, mpsc};
use wthreads::thread;

/// Iterations of the busy loops: enough to interleave natively, few enough for Miri.
const N: usize = if cfg!(miri) { 20 } else { 20_000 };

#[test]
fn spawn_join_returns_values_names_and_distinct_ids() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || (i * 10, thread::current().name().map(String::from), thread::current().id()))
                .unwrap()
        })
        .collect();
    let mut ids = BTreeSet::new();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.thread().name(), Some(format!("worker-{i}").as_str()));
        let (v, name, id) = h.join().unwrap();
        assert_eq!(v, i * 10);
        assert_eq!(name.as_deref(), Some(format!("worker-{i}").as_str()));
        assert!(ids.insert(id.as_u64()), "thread ids are unique");
    }
    assert!(!ids.contains(&thread::current().id().as_u64()));
}

#[test]
fn mutex_counts_every_increment() {
    let counter = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..N {
                    *c.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*counter.lock().unwrap(), 4 * N);
    assert!(counter.try_lock().is_ok());
}

#[test]
fn panic_is_joined_as_err_and_poisons_the_mutex() {
    let m = Arc::new(Mutex::new(1));
    let m2 = Arc::clone(&m);
    let h = thread::spawn(move || {
        let _g = m2.lock().unwrap();
        panic!("boom");
    });
    let payload = h.join().unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    assert!(m.is_poisoned());
    let g = m.lock().unwrap_err().into_inner();
    assert_eq!(*g, 1);
    drop(g);
    m.clear_poison();
    assert!(m.lock().is_ok());
    let n = std::hint::black_box(7);
    let formatted = thread::spawn(move || -> u8 { panic!("value {n}") }).join().unwrap_err();
    assert_eq!(formatted.downcast_ref::<String>().map(String::as_str), Some("value 7"));
}

#[test]
fn condvar_hands_over_every_item_in_order() {
    let pair = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
    let p = Arc::clone(&pair);
    let consumer = thread::spawn(move || {
        let (m, c) = &*p;
        let mut got = Vec::new();
        while got.len() < N {
            let mut q = c.wait_while(m.lock().unwrap(), |q: &mut Vec<usize>| q.is_empty()).unwrap();
            got.append(&mut q);
        }
        got
    });
    for i in 0..N {
        pair.0.lock().unwrap().push(i);
        pair.1.notify_one();
    }
    assert_eq!(consumer.join().unwrap(), (0..N).collect::<Vec<_>>());
    let (m, c) = &*pair;
    let (_g, r) = c.wait_timeout(m.lock().unwrap(), Duration::from_millis(5)).unwrap();
    assert!(r.timed_out(), "nobody notifies: the wait times out");
}

#[test]
fn condvar_notify_all_wakes_every_waiter() {
    let state = Arc::new((Mutex::new((false, 0usize)), Condvar::new()));
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let s = Arc::clone(&state);
            thread::spawn(move || {
                let (m, c) = &*s;
                let mut g = m.lock().unwrap();
                g.1 += 1;
                c.notify_all();
                let _g = c.wait_while(g, |(go, _)| !*go).unwrap();
            })
        })
        .collect();
    let (m, c) = &*state;
    let mut g = c.wait_while(m.lock().unwrap(), |(_, n)| *n < 3).unwrap();
    g.0 = true;
    drop(g);
    c.notify_all();
    for w in waiters {
        w.join().unwrap();
    }
}

#[test]
fn rwlock_readers_never_see_a_half_write() {
    let lock = Arc::new(RwLock::new((0usize, 0usize)));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let l = Arc::clone(&lock);
            thread::spawn(move || {
                for _ in 0..N / 4 {
                    let mut w = l.write().unwrap();
                    w.0 += 1;
                    thread::yield_now();
                    w.1 += 1;
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let l = Arc::clone(&lock);
            thread::spawn(move || {
                for _ in 0..N / 4 {
                    let r = l.read().unwrap();
                    assert_eq!(r.0, r.1, "a reader saw a writer's half-done update");
                }
            })
        })
        .collect();
    for t in writers.into_iter().chain(readers) {
        t.join().unwrap();
    }
    assert_eq!(*lock.read().unwrap(), (N / 4 * 2, N / 4 * 2));
}

#[test]
fn once_and_once_lock_run_their_initialiser_once() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    static ONCE: Once = Once::new();
    static CELL: OnceLock<usize> = OnceLock::new();
    static LAZY: LazyLock<usize> = LazyLock::new(|| {
        RUNS.fetch_add(100, Ordering::Relaxed);
        42
    });
    let handles: Vec<_> = (0..4)
        .map(|i| {
            thread::spawn(move || {
                ONCE.call_once(|| {
                    RUNS.fetch_add(1, Ordering::Relaxed);
                });
                let v = *CELL.get_or_init(|| {
                    RUNS.fetch_add(10, Ordering::Relaxed);
                    i
                });
                (v, *LAZY)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(results.iter().all(|r| *r == results[0]), "every thread sees the one value: {results:?}");
    assert_eq!(RUNS.load(Ordering::Relaxed), 111);
    assert!(ONCE.is_completed());
}

#[test]
fn barrier_releases_each_phase_with_one_leader() {
    let barrier = Arc::new(Barrier::new(4));
    let leaders = Arc::new(AtomicUsize::new(0));
    let phases = if cfg!(miri) { 3 } else { 50 };
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (b, l) = (Arc::clone(&barrier), Arc::clone(&leaders));
            thread::spawn(move || {
                for _ in 0..phases {
                    if b.wait().is_leader() {
                        l.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(leaders.load(Ordering::Relaxed), phases);
}

#[test]
fn channels_deliver_everything_once() {
    let (tx, rx) = mpsc::channel();
    let producers: Vec<_> = (0..3)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..N / 10 {
                    tx.send(p * N + i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let got: BTreeSet<_> = rx.iter().collect();
    assert_eq!(got.len(), 3 * (N / 10), "every message once");
    for p in producers {
        p.join().unwrap();
    }
    assert!(rx.recv().is_err(), "all senders gone: disconnected");

    let (tx, rx) = mpsc::sync_channel(0);
    let t = thread::spawn(move || (0..5).all(|i| tx.send(i).is_ok()));
    assert_eq!(rx.iter().take(5).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
    assert!(t.join().unwrap());
    let (_tx, rx) = mpsc::channel::<u8>();
    assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Err(mpsc::RecvTimeoutError::Timeout));
}

#[test]
fn mapped_guards_narrow_and_keep_the_lock() {
    use wthreads::sync::{MappedMutexGuard, MutexGuard, RwLockReadGuard, RwLockWriteGuard};
    let m = Arc::new(Mutex::new((0usize, vec![0usize; 4])));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let m = Arc::clone(&m);
            thread::spawn(move || {
                for _ in 0..N {
                    let v = MutexGuard::map(m.lock().unwrap(), |t| &mut t.1);
                    *MappedMutexGuard::map(v, |v| &mut v[i]) += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(m.lock().unwrap().1, [N; 4]);
    let l = RwLock::new([1, 2]);
    let w = RwLockWriteGuard::map(l.write().unwrap(), |a| &mut a[0]);
    drop(w);
    let r = RwLockWriteGuard::downgrade(l.write().unwrap());
    let part = RwLockReadGuard::map(l.read().unwrap(), |a| &a[1]);
    assert_eq!((r[0], *part), (1, 2));
}

#[test]
fn reentrant_lock_nests_and_excludes_other_threads() {
    use std::cell::RefCell;
    use wthreads::sync::ReentrantLock;
    let lock = Arc::new(ReentrantLock::new(RefCell::new(0usize)));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                for _ in 0..N {
                    let outer = lock.lock();
                    let inner = lock.lock();
                    *inner.borrow_mut() += 1;
                    drop(outer);
                    *inner.borrow_mut() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*lock.lock().borrow(), 6 * N);
}

#[test]
fn mpmc_and_oneshot_deliver_each_message_once() {
    use wthreads::sync::{mpmc, oneshot};
    let (tx, rx) = mpmc::sync_channel(2);
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || rx.iter().collect::<Vec<usize>>())
        })
        .collect();
    drop(rx);
    for i in 0..N {
        tx.send(i).unwrap();
    }
    drop(tx);
    let mut all: Vec<usize> = consumers.into_iter().flat_map(|c| c.join().unwrap()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..N).collect::<Vec<_>>());
    let (tx, rx) = oneshot::channel();
    thread::spawn(move || tx.send(String::from("once")).unwrap());
    assert_eq!(rx.recv().unwrap(), "once");
}

#[test]
fn nonpoison_condvar_waits_on_a_borrowed_guard() {
    use wthreads::sync::nonpoison;
    let pair = Arc::new((nonpoison::Mutex::new(0usize), nonpoison::Condvar::new()));
    let p2 = Arc::clone(&pair);
    let pong = thread::spawn(move || {
        for i in 0..N {
            let mut g = p2.0.lock();
            p2.1.wait_while(&mut g, |n| *n != 2 * i + 1);
            *g += 1;
            p2.1.notify_all();
        }
    });
    for i in 0..N {
        let mut g = pair.0.lock();
        pair.1.wait_while(&mut g, |n| *n != 2 * i);
        *g += 1;
        pair.1.notify_all();
    }
    pong.join().unwrap();
    assert_eq!(*pair.0.lock(), 2 * N);
}

/// `scope` does not return, even by unwinding, while a thread that borrows its environment runs
/// (before, it returned after ~230 ms with the thread still running).
#[test]
fn scope_joins_its_threads_when_its_closure_unwinds() {
    let done = std::sync::atomic::AtomicBool::new(false);
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(200));
                done.store(true, Ordering::Release);
            });
            // Unwinds at once: no panic hook runs (nor prints a slow backtrace).
            std::panic::resume_unwind(Box::new("the scope's closure unwinds"));
        })
    }));
    assert!(unwound.is_err());
    assert!(done.load(Ordering::Acquire), "scope returned while its thread still ran");
}

#[test]
fn park_keeps_one_token() {
    let flag = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&flag);
    let parked = thread::spawn(move || {
        while f.load(Ordering::Acquire) == 0 {
            thread::park();
        }
    });
    flag.store(1, Ordering::Release);
    parked.thread().unpark();
    parked.join().unwrap();
    // A token given before parking makes the next park return at once; a second one does not
    // accumulate, so the park after it waits for its timeout.
    thread::current().unpark();
    thread::current().unpark();
    thread::park();
    thread::park_timeout(Duration::from_millis(2));
}

#[test]
fn scoped_threads_borrow_and_are_joined() {
    let mut data = vec![1u64, 2, 3, 4, 5, 6];
    let total = thread::scope(|s| {
        let (a, b) = data.split_at_mut(3);
        let h = s.spawn(move || {
            a.iter_mut().for_each(|x| *x *= 2);
            a.iter().sum::<u64>()
        });
        b.iter_mut().for_each(|x| *x += 1);
        h.join().unwrap()
    });
    assert_eq!(total, 12);
    assert_eq!(data, vec![2, 4, 6, 5, 6, 7]);
}

#[test]
fn thread_locals_are_per_thread_and_destroyed_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Counted(usize);
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
        }
    }
    wthreads::thread_local! {
        static VALUE: std::cell::RefCell<Counted> = std::cell::RefCell::new(Counted(0));
    }
    let threads = 4;
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            thread::spawn(move || {
                VALUE.with_borrow_mut(|v| v.0 = i + 1);
                thread::yield_now();
                VALUE.with_borrow(|v| v.0)
            })
        })
        .collect();
    let seen: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(seen, (1..=threads).collect::<Vec<_>>());
    assert_eq!(DROPS.load(Ordering::Relaxed), threads, "one destructor per thread");
}

#[test]
fn detached_threads_are_reclaimed() {
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..8 {
        let d = Arc::clone(&done);
        drop(thread::spawn(move || {
            d.fetch_add(1, Ordering::Relaxed);
        }));
    }
    while thread::reclaim_detached_threads() > 0 {
        thread::yield_now();
    }
    assert_eq!(done.load(Ordering::Relaxed), 8);
}

#[test]
fn sleep_lasts_at_least_its_duration() {
    let start = wthreads::time::Instant::now();
    thread::sleep(Duration::from_millis(3));
    assert!(start.elapsed() >= Duration::from_millis(3));
    assert!(thread::available_parallelism().unwrap().get() >= 1);
}

/// The guest allocator (dlmalloc with per-thread caches) from four threads at once: blocks of
/// mixed sizes and alignments, some zeroed, some grown or shrunk with `realloc` across classes
/// and into dlmalloc's large sizes, each filled with its owner's pattern and checked before it
/// is freed; a block freed by another thread than the one that allocated it (through a shared
/// queue) goes into that thread's cache.
#[test]
#[cfg_attr(
    miri,
    ignore = "Miri reports dlmalloc's own bin handling (unlink_small_chunk writes through a pointer \
              that a `&mut Dlmalloc` retag invalidated) under both Stacked and Tree Borrows"
)]
fn allocator_caches_hand_out_each_block_once() {
    use std::alloc::{GlobalAlloc, Layout};
    static HEAP: wthreads::Allocator = wthreads::Allocator::new();
    struct Block(*mut u8, Layout, u8);
    // SAFETY: a block is owned by one thread at a time.
    unsafe impl Send for Block {}
    let check = |b: &Block| {
        // SAFETY: the block is live and `b.1.size()` long.
        let bytes = unsafe { std::slice::from_raw_parts(b.0, b.1.size()) };
        assert!(bytes.iter().all(|&x| x == b.2), "block {:p} ({:?}) was overwritten", b.0, b.1);
    };
    let fill = |b: &Block| {
        // SAFETY: the block is live, `b.1.size()` long, and owned by this thread.
        unsafe { std::ptr::write_bytes(b.0, b.2, b.1.size()) };
    };
    let shared = Arc::new(Mutex::new(Vec::<Block>::new()));
    let rounds = if cfg!(miri) { 60 } else { 20_000 };
    let handles: Vec<_> = (0..4u32)
        .map(|t| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let mut x = t * 7919 + 1;
                let mut next = || {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x
                };
                let mut mine: Vec<Block> = Vec::new();
                for i in 0..rounds {
                    let r = next();
                    let size = [1, 8, 16, 24, 100, 129, 300, 1000, 4096, 4097, 6000][r as usize % 11];
                    let align = [1, 4, 8, 16][(r >> 8) as usize % 4];
                    let layout = Layout::from_size_align(size, align).unwrap();
                    let tag = (t * 64 + i % 64) as u8;
                    let ptr = if r & 1 << 20 != 0 {
                        // SAFETY: a non-zero-sized layout.
                        let p = unsafe { HEAP.alloc_zeroed(layout) };
                        // SAFETY: `p` is a live block of `size` bytes.
                        assert!(unsafe { std::slice::from_raw_parts(p, size) }.iter().all(|&x| x == 0), "not zeroed");
                        p
                    } else {
                        // SAFETY: a non-zero-sized layout.
                        unsafe { HEAP.alloc(layout) }
                    };
                    assert!(!ptr.is_null() && (ptr as usize).is_multiple_of(align));
                    let b = Block(ptr, layout, tag);
                    fill(&b);
                    mine.push(b);
                    if mine.len() > 32 {
                        let mut b = mine.swap_remove(next() as usize % mine.len());
                        check(&b);
                        match next() % 3 {
                            0 => {
                                let new_size = [12, 200, 2000, 5000][next() as usize % 4];
                                // SAFETY: `b` is live with layout `b.1`; a non-zero new size.
                                let p = unsafe { HEAP.realloc(b.0, b.1, new_size) };
                                assert!(!p.is_null());
                                let kept = b.1.size().min(new_size);
                                // SAFETY: `p` is live and at least `kept` long.
                                let bytes = unsafe { std::slice::from_raw_parts(p, kept) };
                                assert!(bytes.iter().all(|&x| x == b.2), "realloc lost the contents");
                                b = Block(p, Layout::from_size_align(new_size, b.1.align()).unwrap(), b.2);
                                fill(&b);
                                mine.push(b);
                            }
                            1 => shared.lock().unwrap().push(b),
                            // SAFETY: allocated here with this layout; not used again.
                            _ => unsafe { HEAP.dealloc(b.0, b.1) },
                        }
                    }
                    if let Some(b) = shared.lock().unwrap().pop() {
                        check(&b);
                        // SAFETY: allocated from HEAP by some thread with this layout.
                        unsafe { HEAP.dealloc(b.0, b.1) };
                    }
                }
                for b in mine {
                    check(&b);
                    // SAFETY: allocated from HEAP with this layout; owned here and not used again.
                    unsafe { HEAP.dealloc(b.0, b.1) };
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for b in shared.lock().unwrap().drain(..) {
        check(&b);
        // SAFETY: allocated from HEAP by some thread with this layout; every thread has ended.
        unsafe { HEAP.dealloc(b.0, b.1) };
    }
}
