//! The corpus's correct counterparts of its races (issue 16, docs/check.md): each hands data
//! from thread to thread in a way that orders the accesses, which `wthreads check` must accept
//! without a report. They run natively too (and under Miri, whose own race detector agrees).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::{Cell, UnsafeCell};
use core::sync::atomic::{AtomicBool, Ordering};
use wthreads::sync::{Barrier, Condvar, Mutex, OnceLock, mpsc};
use wthreads::thread;

/// Memory whose accesses the program orders by other means (an atomic flag, a barrier, a join).
struct Slots<T>(UnsafeCell<T>);

// SAFETY: each program below orders every access of its `Slots` by the synchronisation it shows.
unsafe impl<T> Sync for Slots<T> {}

/// A thread fills a buffer with plain writes, then sets a flag with a release store; the
/// reader spins on the flag with acquire loads, then reads the buffer.
#[unsafe(no_mangle)]
pub extern "C" fn test_ordered_atomic_publication() -> i32 {
    static DATA: Slots<[u32; 16]> = Slots(UnsafeCell::new([0; 16]));
    static READY: AtomicBool = AtomicBool::new(false);
    let writer = thread::spawn(|| {
        // SAFETY: nobody reads `DATA` until `READY` is set, after these writes.
        let data = unsafe { &mut *DATA.0.get() };
        for (i, v) in data.iter_mut().enumerate() {
            *v = i as u32 * 3;
        }
        READY.store(true, Ordering::Release);
    });
    while !READY.load(Ordering::Acquire) {
        thread::yield_now();
    }
    // SAFETY: the acquire load that saw `true` orders the writer's writes before this read.
    let data = unsafe { &*DATA.0.get() };
    assert!(data.iter().enumerate().all(|(i, v)| *v == i as u32 * 3));
    writer.join().unwrap();
    0
}

/// A buffer handed from a producer to a consumer through a mutex and a condition variable.
#[unsafe(no_mangle)]
pub extern "C" fn test_ordered_condvar_handoff() -> i32 {
    let slot = Arc::new((Mutex::new(None::<Box<[u32; 256]>>), Condvar::new()));
    let theirs = Arc::clone(&slot);
    let producer = thread::spawn(move || {
        let mut buffer = Box::new([0u32; 256]);
        for (i, v) in buffer.iter_mut().enumerate() {
            *v = i as u32;
        }
        *theirs.0.lock().unwrap() = Some(buffer);
        theirs.1.notify_one();
    });
    let mut guard = slot.0.lock().unwrap();
    let buffer = loop {
        match guard.take() {
            Some(b) => break b,
            None => guard = slot.1.wait(guard).unwrap(),
        }
    };
    drop(guard);
    assert_eq!(buffer.iter().sum::<u32>(), 255 * 256 / 2);
    producer.join().unwrap();
    0
}

/// Boxed buffers sent over a channel: filled by the sender, read and freed by the receiver (the
/// allocator takes back blocks another thread allocated).
#[unsafe(no_mangle)]
pub extern "C" fn test_ordered_boxed_buffer_channel() -> i32 {
    let (tx, rx) = mpsc::channel::<Box<[u8; 1024]>>();
    let sender = thread::spawn(move || {
        for n in 0..8u8 {
            tx.send(Box::new([n; 1024])).unwrap();
        }
    });
    for n in 0..8u8 {
        let buffer = rx.recv().unwrap();
        assert!(buffer.iter().all(|&b| b == n));
    }
    sender.join().unwrap();
    0
}

/// Four threads write their own slot, meet at a barrier, read every slot, meet again, and write
/// their slot again.
#[unsafe(no_mangle)]
pub extern "C" fn test_ordered_barrier_phases() -> i32 {
    static SLOTS: Slots<[u32; 4]> = Slots(UnsafeCell::new([0; 4]));
    static PHASE: Barrier = Barrier::new(4);
    let slot = |i: usize| SLOTS.0.get().cast::<u32>().wrapping_add(i);
    let workers: Vec<_> = (0..4)
        .map(|i| {
            thread::spawn(move || {
                // SAFETY (each access below): slot `i` is this thread's alone within a phase,
                // and the barriers order the phases.
                unsafe { slot(i).write(i as u32 + 1) };
                PHASE.wait();
                let sum: u32 = (0..4).map(|j| unsafe { slot(j).read() }).sum();
                PHASE.wait();
                unsafe { slot(i).write(sum) };
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // SAFETY: every worker was joined.
    assert_eq!(unsafe { *SLOTS.0.get() }, [10; 4]);
    0
}

/// A thread writes a static and returns; the main thread joins it, then reads the static.
#[unsafe(no_mangle)]
pub extern "C" fn test_ordered_join_then_read() -> i32 {
    static RESULT: Slots<u64> = Slots(UnsafeCell::new(0));
    // SAFETY: only this thread accesses `RESULT` until it is joined.
    let child = thread::spawn(|| unsafe { *RESULT.0.get() = 42 });
    child.join().unwrap();
    // SAFETY: the join orders the child's write before this read.
    assert_eq!(unsafe { *RESULT.0.get() }, 42);
    0
}

/// A vector split with `split_at_mut`, each half filled by a scoped thread.
#[unsafe(no_mangle)]
pub extern "C" fn test_ordered_scoped_halves() -> i32 {
    let mut data = alloc::vec![0u32; 1000];
    let (low, high) = data.split_at_mut(500);
    thread::scope(|s| {
        s.spawn(|| low.iter_mut().for_each(|v| *v = 1));
        s.spawn(|| high.iter_mut().for_each(|v| *v = 2));
    });
    assert_eq!(data.iter().sum::<u32>(), 1500);
    0
}

/// Four threads race to initialise a `OnceLock` with a vector; all read what the winner wrote.
#[unsafe(no_mangle)]
pub extern "C" fn test_ordered_once_lock() -> i32 {
    static TABLE: OnceLock<Vec<u32>> = OnceLock::new();
    let readers: Vec<_> =
        (0..4).map(|_| thread::spawn(|| TABLE.get_or_init(|| (0..100).collect()).iter().sum::<u32>())).collect();
    for r in readers {
        assert_eq!(r.join().unwrap(), 4950);
    }
    0
}

wthreads::thread_local! {
    static SCRATCH: Cell<u64> = const { Cell::new(0) };
    static LOG: core::cell::RefCell<Vec<u32>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// Threads, one after another and then four at once, use their thread-locals (whose blocks a
/// later thread reuses).
#[unsafe(no_mangle)]
pub extern "C" fn test_ordered_thread_locals() -> i32 {
    let work = |n: u32| {
        move || {
            for i in 0..50 {
                SCRATCH.set(SCRATCH.get() + u64::from(n));
                LOG.with_borrow_mut(|l| l.push(i));
            }
            (SCRATCH.get(), LOG.with_borrow(Vec::len))
        }
    };
    for n in 0..8 {
        assert_eq!(thread::spawn(work(n)).join().unwrap(), (50 * u64::from(n), 50));
    }
    let at_once: Vec<_> = (0..4).map(|n| thread::spawn(work(n))).collect();
    for (n, t) in at_once.into_iter().enumerate() {
        assert_eq!(t.join().unwrap(), (50 * n as u64, 50));
    }
    0
}

/// The runtime's own hand-offs: stacks and heap blocks that one thread used and a later thread
/// uses again (threads one after another, each filling a stack array and heap vectors), and
/// blocks freed by a thread other than the one that allocated them.
#[unsafe(no_mangle)]
pub extern "C" fn test_ordered_reuse() -> i32 {
    for n in 0..20u32 {
        let t = thread::spawn(move || {
            let mut stack = [0u32; 512];
            for (i, v) in stack.iter_mut().enumerate() {
                *v = n + i as u32;
            }
            let heap: Vec<Vec<u32>> = (0..8).map(|k| alloc::vec![n + k; 64]).collect();
            core::hint::black_box(&stack).iter().sum::<u32>() + heap.iter().map(|v| v[0]).sum::<u32>()
        });
        assert_eq!(t.join().unwrap(), 512 * n + 511 * 512 / 2 + 8 * n + 28);
    }
    let (tx, rx) = mpsc::channel::<Vec<u32>>();
    let makers: Vec<_> = (0..3)
        .map(|n| {
            let tx = tx.clone();
            thread::spawn(move || {
                for k in 0..20 {
                    tx.send(alloc::vec![n * 100 + k; 32]).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let freer = thread::spawn(move || rx.iter().map(|v| v.len()).sum::<usize>());
    for m in makers {
        m.join().unwrap();
    }
    assert_eq!(freer.join().unwrap(), 3 * 20 * 32);
    0
}
