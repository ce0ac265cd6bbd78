//! RwLock: shared readers, exclusive writers, writer preference, try_ variants.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use wthreads::sync::{Arc, Barrier, RwLock, TryLockError};
use wthreads::thread;
use wthreads::time::Instant;

#[unsafe(no_mangle)]
pub extern "C" fn test_rwlock_readers_share() -> i32 {
    // Four readers meet at a barrier while each holds a read lock: only possible if the
    // read locks are held at the same time.
    let lock = Arc::new(RwLock::new(7u32));
    let barrier = Arc::new(Barrier::new(4));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (l, b) = (Arc::clone(&lock), Arc::clone(&barrier));
            thread::spawn(move || {
                let g = l.read().unwrap();
                b.wait();
                assert!(l.try_write().is_err(), "a writer got in beside readers");
                *g
            })
        })
        .collect();
    for r in readers {
        assert_eq!(r.join().unwrap(), 7);
    }
    assert!(lock.try_write().is_ok());
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_rwlock_writers_exclusive() -> i32 {
    // Writers keep two fields equal; readers must never see them differ.
    let lock = Arc::new(RwLock::new((0u64, 0u64)));
    let mut handles = Vec::new();
    for _ in 0..4 {
        let l = Arc::clone(&lock);
        handles.push(thread::spawn(move || {
            for _ in 0..crate::rounds(20_000) {
                let mut g = l.write().unwrap();
                g.0 += 1;
                core::hint::black_box(&mut *g);
                g.1 += 1;
            }
        }));
    }
    for _ in 0..4 {
        let l = Arc::clone(&lock);
        handles.push(thread::spawn(move || {
            for _ in 0..crate::rounds(20_000) {
                let g = l.read().unwrap();
                assert_eq!(g.0, g.1, "a reader saw a half-done write");
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let writes = 4 * u64::from(crate::rounds(20_000));
    assert_eq!(*lock.read().unwrap(), (writes, writes));
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_rwlock_writer_preference() -> i32 {
    let lock = Arc::new(RwLock::new(0u32));
    let reading = lock.read().unwrap();
    let wrote = Arc::new(AtomicBool::new(false));
    let (l, w) = (Arc::clone(&lock), Arc::clone(&wrote));
    let writer = thread::spawn(move || {
        *l.write().unwrap() = 1;
        w.store(true, Ordering::Release);
    });
    // Once the writer waits, new readers are turned away (writer preference).
    let t = Instant::now();
    while lock.try_read().is_ok() {
        assert!(t.elapsed() < Duration::from_secs(10), "the writer never started waiting");
        thread::sleep(Duration::from_millis(1));
    }
    assert!(matches!(lock.try_read(), Err(TryLockError::WouldBlock)));
    assert!(!wrote.load(Ordering::Acquire), "the writer got in while a reader held the lock");
    drop(reading);
    writer.join().unwrap();
    assert!(wrote.load(Ordering::Acquire));
    assert_eq!(*lock.read().unwrap(), 1);
    // Readers blocked behind a writer all get in once it leaves.
    let w = lock.write().unwrap();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let l = Arc::clone(&lock);
            thread::spawn(move || *l.read().unwrap())
        })
        .collect();
    thread::sleep(Duration::from_millis(5));
    drop(w);
    for r in readers {
        assert_eq!(r.join().unwrap(), 1);
    }
    let mut l = RwLock::new(5);
    *l.get_mut().unwrap() += 1;
    assert_eq!(l.into_inner().unwrap(), 6);
    0
}
