//! A thread that ends in a panic while holding a lock: the next user finds it poisoned,
//! never locked forever.

use alloc::string::String;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use wthreads::sync::{Arc, Mutex, Once, OnceLock, RwLock};
use wthreads::thread;

#[unsafe(no_mangle)]
pub extern "C" fn test_mutex_poisoned_by_panic() -> i32 {
    let m = Arc::new(Mutex::new(1u32));
    let m2 = Arc::clone(&m);
    let err = thread::spawn(move || {
        let mut g = m2.lock().unwrap();
        *g = 2;
        panic!("died holding the lock");
    })
    .join()
    .unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"died holding the lock"));
    assert!(m.is_poisoned() || m.try_lock().is_err());
    let g = m.lock().unwrap_err().into_inner();
    assert_eq!(*g, 2, "the dead thread's write is visible");
    drop(g);
    assert!(m.is_poisoned());
    m.clear_poison();
    assert_eq!(*m.lock().unwrap(), 2);

    // A thread already asleep on the lock when its holder dies wakes up with the poison.
    let m = Arc::new(Mutex::new(String::from("data")));
    let locked = Arc::new(AtomicBool::new(false));
    let (m2, l2) = (Arc::clone(&m), Arc::clone(&locked));
    let holder = thread::spawn(move || {
        let _g = m2.lock().unwrap();
        l2.store(true, Ordering::Release);
        thread::sleep(Duration::from_millis(30));
        panic!("holder dies");
    });
    while !locked.load(Ordering::Acquire) {
        thread::yield_now();
    }
    let m3 = Arc::clone(&m);
    let waiter = thread::spawn(move || match m3.lock() {
        Ok(_) => false,
        Err(e) => e.into_inner().as_str() == "data",
    });
    assert!(waiter.join().unwrap(), "the waiter did not see the poison");
    assert!(holder.join().is_err());
    assert!(m.try_lock().is_err_and(|e| matches!(e, wthreads::sync::TryLockError::Poisoned(_))));
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_rwlock_poisoned_by_panic() -> i32 {
    let l = Arc::new(RwLock::new(0u32));
    let locked = Arc::new(AtomicBool::new(false));
    let (l2, k2) = (Arc::clone(&l), Arc::clone(&locked));
    let writer = thread::spawn(move || {
        let mut g = l2.write().unwrap();
        *g = 9;
        k2.store(true, Ordering::Release);
        thread::sleep(Duration::from_millis(20));
        panic!("writer dies");
    });
    while !locked.load(Ordering::Acquire) {
        thread::yield_now();
    }
    // Blocked reader and writer both recover.
    let l3 = Arc::clone(&l);
    let reader = thread::spawn(move || l3.read().map(|g| *g).unwrap_or_else(|e| *e.into_inner()));
    assert_eq!(reader.join().unwrap(), 9);
    assert!(writer.join().is_err());
    assert!(l.is_poisoned());
    assert_eq!(*l.write().unwrap_err().into_inner(), 9);
    0
}

static BAD_ONCE: Once = Once::new();
static CELL: OnceLock<u32> = OnceLock::new();

#[unsafe(no_mangle)]
pub extern "C" fn test_once_poisoned_by_panic() -> i32 {
    let started = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&started);
    let runner = thread::spawn(move || {
        BAD_ONCE.call_once(|| {
            s.store(true, Ordering::Release);
            thread::sleep(Duration::from_millis(20));
            panic!("initialiser dies");
        });
    });
    while !started.load(Ordering::Acquire) {
        thread::yield_now();
    }
    // A thread waiting for the running closure wakes up and panics like std's.
    let waiter = thread::spawn(|| BAD_ONCE.call_once(|| ()));
    let err = waiter.join().unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"Once instance has previously been poisoned"));
    assert!(runner.join().is_err());
    let mut saw_poison = false;
    BAD_ONCE.call_once_force(|state| saw_poison = state.is_poisoned());
    assert!(saw_poison && BAD_ONCE.is_completed());
    // A OnceLock whose initialiser died stays empty; the next caller initialises it.
    assert!(thread::spawn(|| CELL.get_or_init(|| panic!("no value"))).join().is_err());
    assert_eq!(CELL.get(), None);
    assert_eq!(*CELL.get_or_init(|| 4), 4);
    0
}

/// A thread that traps (not a panic) holding a `Mutex`, an `RwLock`'s write lock and another's
/// read lock: after the host's post-mortem call, a waiter already asleep on the mutex gets it
/// poisoned, the write lock is poisoned and the read lock released, as after a panic.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn test_trap_releases_locks() -> i32 {
    let m = Arc::new(Mutex::new(0u32));
    let w = Arc::new(RwLock::new(0u32));
    let r = Arc::new(RwLock::new(0u32));
    let locked = Arc::new(AtomicBool::new(false));
    let (m2, w2, r2, l2) = (Arc::clone(&m), Arc::clone(&w), Arc::clone(&r), Arc::clone(&locked));
    let holder = thread::spawn(move || {
        let mut g = m2.lock().unwrap();
        *g = 1;
        let _w = w2.write().unwrap();
        let _r = r2.read().unwrap();
        l2.store(true, Ordering::Release);
        thread::sleep(Duration::from_millis(30));
        core::arch::wasm32::unreachable()
    });
    while !locked.load(Ordering::Acquire) {
        thread::yield_now();
    }
    let m3 = Arc::clone(&m);
    let waiter = thread::spawn(move || m3.lock().map(|g| *g).map_err(|e| *e.into_inner()));
    assert_eq!(waiter.join().unwrap(), Err(1), "the waiter did not get the mutex poisoned");
    assert!(holder.join().is_err());
    assert!(w.is_poisoned(), "the write lock of the trapped thread");
    assert!(r.try_write().is_ok(), "the read lock of the trapped thread was not released");
    assert!(!r.is_poisoned());
    0
}
