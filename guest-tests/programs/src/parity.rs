//! std parity, second pass: behaviour std's own `std::sync`/`std::thread` tests expect, with
//! std's words.

use alloc::boxed::Box;
use alloc::string::String;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use wthreads::sync::{Arc, LazyLock, Mutex, RwLock, TryLockError};
use wthreads::thread;

/// The message of a thread's panic payload.
fn message(err: &(dyn core::any::Any + Send)) -> &str {
    err.downcast_ref::<String>().map(String::as_str).or_else(|| err.downcast_ref::<&str>().copied()).unwrap_or("")
}

#[unsafe(no_mangle)]
pub extern "C" fn test_lazy_lock_poisoned_message() -> i32 {
    static LAZY: LazyLock<u32> = LazyLock::new(|| panic!("initialiser fails"));
    let first = thread::spawn(|| *LAZY).join().unwrap_err();
    assert_eq!(message(&*first), "initialiser fails");
    let second = thread::spawn(|| *LAZY).join().unwrap_err();
    assert_eq!(message(&*second), "LazyLock instance has previously been poisoned");
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_thread_name_with_nul() -> i32 {
    let err = thread::spawn(|| thread::Builder::new().name(String::from("a\0b")).spawn(|| ()).map(|_| ()))
        .join()
        .unwrap_err();
    assert_eq!(message(&*err), "thread name may not contain interior null bytes");
    0
}

/// Runs `f` in a thread that must end by a panic, and joins it.
fn dies(f: impl FnOnce() + Send + 'static) {
    assert!(thread::spawn(f).join().is_err(), "the thread did not panic");
}

/// Runs `f` in a scoped thread that must end by a panic, and joins it (the dead thread's own
/// values are never dropped, so the lock is lent to it rather than shared through an `Arc`).
fn dies_in_scope(f: impl FnOnce() + Send) {
    thread::scope(|s| assert!(s.spawn(f).join().is_err(), "the thread did not panic"));
}

/// std's `test_mutex_arc_poison`, `test_into_inner_poison` and `test_get_mut_poison`: once the
/// thread that died holding the lock is joined, the poison shows without locking again.
#[unsafe(no_mangle)]
pub extern "C" fn test_poison_seen_after_holder_died() -> i32 {
    let mut m = Mutex::new(1);
    dies_in_scope(|| {
        *m.lock().unwrap() = 2;
        let _g = m.lock().unwrap();
        panic!("test panic in inner thread to poison mutex");
    });
    assert!(m.is_poisoned(), "Mutex::is_poisoned");
    assert_eq!(*m.get_mut().unwrap_err().into_inner(), 2, "Mutex::get_mut");
    assert_eq!(m.into_inner().unwrap_err().into_inner(), 2, "Mutex::into_inner");

    let m = Mutex::new(1);
    dies_in_scope(|| {
        let _g = m.lock().unwrap();
        panic!("dies holding the mutex");
    });
    assert_eq!(m.into_inner().unwrap_err().into_inner(), 1, "Mutex::into_inner first");

    let mut l = RwLock::new(1);
    dies_in_scope(|| {
        *l.write().unwrap() = 2;
        let _g = l.write().unwrap();
        panic!("test panic in inner thread to poison RwLock");
    });
    assert!(l.is_poisoned(), "RwLock::is_poisoned");
    assert_eq!(*l.get_mut().unwrap_err().into_inner(), 2, "RwLock::get_mut");
    assert_eq!(l.into_inner().unwrap_err().into_inner(), 2, "RwLock::into_inner");
    0
}

/// std's `test_rw_arc_no_poison_rw` and `_rr`: a read lock held by a thread that died is
/// released, unpoisoned, whether the next user comes after the join, tries without blocking, or
/// was already asleep on the lock.
#[unsafe(no_mangle)]
pub extern "C" fn test_rwlock_dead_reader_released() -> i32 {
    let l = Arc::new(RwLock::new(1));
    let l2 = Arc::clone(&l);
    dies(move || {
        let _g = l2.read().unwrap();
        panic!("test panic in inner thread to poison RwLock");
    });
    assert_eq!(*l.read().unwrap(), 1, "read after the dead reader");
    assert_eq!(*l.write().unwrap(), 1, "write after the dead reader");
    assert!(!l.is_poisoned());

    let l2 = Arc::clone(&l);
    dies(move || {
        let (_a, _b) = (l2.read().unwrap(), l2.read().unwrap());
        panic!("dies holding two read locks");
    });
    assert!(l.try_write().is_ok(), "try_write after the dead reader");

    let held = Arc::new(AtomicBool::new(false));
    let (l2, h2) = (Arc::clone(&l), Arc::clone(&held));
    let reader = thread::spawn(move || {
        let _g = l2.read().unwrap();
        h2.store(true, Ordering::Release);
        thread::sleep(Duration::from_millis(50));
        panic!("the reader dies while a writer waits");
    });
    while !held.load(Ordering::Acquire) {
        thread::yield_now();
    }
    let l2 = Arc::clone(&l);
    let writer = thread::spawn(move || *l2.write().unwrap() + 1);
    assert_eq!(writer.join().unwrap(), 2, "the waiting writer");
    assert!(reader.join().is_err());
    assert!(!l.is_poisoned());
    0
}

/// A read guard forgotten on a lock that was then freed is not "released" at its thread's death
/// into another lock that took the same address (the note carries the lock's id).
#[unsafe(no_mangle)]
pub extern "C" fn test_rwlock_forgotten_read_not_released_elsewhere() -> i32 {
    let handover: Arc<Mutex<Option<Box<RwLock<u32>>>>> = Arc::default();
    let h2 = Arc::clone(&handover);
    dies(move || {
        let first = Box::new(RwLock::new(0));
        core::mem::forget(first.read().unwrap());
        let addr = core::ptr::from_ref(&*first).addr();
        drop(first);
        let second = Box::new(RwLock::new(1));
        assert_eq!(core::ptr::from_ref(&*second).addr(), addr, "the allocator reused the block");
        *h2.lock().unwrap() = Some(second);
        panic!("dies with a forgotten read guard");
    });
    let second = handover.lock().unwrap().take().unwrap();
    let g = second.read().unwrap();
    assert!(matches!(second.try_write(), Err(TryLockError::WouldBlock)), "our read lock was released");
    drop(g);
    assert!(second.try_write().is_ok());
    0
}
