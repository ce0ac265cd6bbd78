//! std parity, second pass: behaviour std's own `std::sync`/`std::thread` tests expect, with
//! std's words.

#[cfg(target_arch = "wasm32")]
use alloc::boxed::Box;
use alloc::string::String;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use wthreads::sync::{Arc, LazyLock, Mutex, RwLock, RwLockWriteGuard, TryLockError};
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
#[cfg(target_arch = "wasm32")]
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

/// std's auto traits, checked when this program compiles: each type is `Send`, `Sync`,
/// `Unpin`, `UnwindSafe` and `RefUnwindSafe` exactly where std's is (for a `T` that is all of
/// them), so generic code bounded by them accepts wthreads' types as it accepts std's.
mod auto_traits {
    use core::panic::{RefUnwindSafe, UnwindSafe};
    use wthreads::sync::{
        Barrier, BarrierWaitResult, Condvar, LazyLock, MappedMutexGuard, MappedRwLockReadGuard, MappedRwLockWriteGuard,
        Mutex, MutexGuard, Once, OnceLock, OnceState, ReentrantLock, ReentrantLockGuard, RwLock, RwLockReadGuard,
        RwLockWriteGuard, WaitTimeoutResult, mpmc, mpsc, nonpoison, oneshot,
    };
    use wthreads::thread::{Builder, JoinHandle, Thread, ThreadId};

    fn everything<T: Send + Sync + Unpin + UnwindSafe + RefUnwindSafe>() {}
    fn sync_not_send<T: Sync + Unpin + UnwindSafe + RefUnwindSafe>() {}
    fn send_not_sync<T: Send + Unpin + UnwindSafe + RefUnwindSafe>() {}
    fn send_sync<T: Send + Sync + Unpin>() {}
    fn sync_only<T: Sync + Unpin>() {}
    fn send_unwind_safe<T: Send + Unpin + UnwindSafe>() {}

    const _: fn() = || {
        everything::<Mutex<u32>>();
        everything::<RwLock<u32>>();
        everything::<Condvar>();
        everything::<Barrier>();
        everything::<BarrierWaitResult>();
        everything::<WaitTimeoutResult>();
        everything::<Once>();
        everything::<OnceLock<u32>>();
        everything::<LazyLock<u32>>();
        everything::<mpsc::Sender<u32>>();
        everything::<mpsc::SyncSender<u32>>();
        everything::<Thread>();
        everything::<ThreadId>();
        everything::<Builder>();
        send_sync::<JoinHandle<u32>>();
        sync_not_send::<MutexGuard<'static, u32>>();
        sync_not_send::<RwLockReadGuard<'static, u32>>();
        sync_not_send::<RwLockWriteGuard<'static, u32>>();
        send_not_sync::<mpsc::Receiver<u32>>();
        // std's unstable API.
        everything::<ReentrantLock<u32>>();
        everything::<mpmc::Sender<u32>>();
        everything::<mpmc::Receiver<u32>>();
        everything::<oneshot::Sender<u32>>();
        everything::<oneshot::Receiver<u32>>();
        everything::<nonpoison::Mutex<u32>>();
        everything::<nonpoison::RwLock<u32>>();
        everything::<nonpoison::Condvar>();
        sync_only::<ReentrantLockGuard<'static, u32>>();
        sync_only::<MappedMutexGuard<'static, u32>>();
        sync_only::<MappedRwLockReadGuard<'static, u32>>();
        sync_only::<MappedRwLockWriteGuard<'static, u32>>();
        sync_only::<nonpoison::MutexGuard<'static, u32>>();
        send_unwind_safe::<OnceState>();
    };
}

/// Borrow-checker facts of std's types, checked when this program compiles: a read guard is
/// covariant in `T`, and an `OnceLock` may hold a borrow that ends before the cell does.
mod variance_and_dropck {
    use alloc::string::String;
    use wthreads::sync::{OnceLock, RwLockReadGuard};

    fn _read_guard_is_covariant<'a, 'b: 'a>(g: RwLockReadGuard<'a, &'b str>) -> RwLockReadGuard<'a, &'a str> {
        g
    }

    const _: fn() = || {
        let cell = OnceLock::new();
        {
            let s = String::new();
            let _ = cell.set(&s);
        }
    };
}

/// std's `test_rwlock_downgrade` tests: a writer that downgrades reads what it wrote, no other
/// writer gets in between, and a reader already waiting gets in while the downgraded guard lives.
#[unsafe(no_mangle)]
pub extern "C" fn test_rwlock_downgrade() -> i32 {
    const W: usize = 8;
    const N: usize = 200;
    let rw = Arc::new(RwLock::new(0));
    let writers: alloc::vec::Vec<_> = (0..W)
        .map(|_| {
            let rw = Arc::clone(&rw);
            thread::spawn(move || {
                for _ in 0..N {
                    let mut w = rw.write().unwrap();
                    *w += 1;
                    let mine = *w;
                    let r = RwLockWriteGuard::downgrade(w);
                    thread::yield_now();
                    assert_eq!(*r, mine, "a writer got in after the downgrade");
                }
            })
        })
        .collect();
    for h in writers {
        h.join().unwrap();
    }
    assert_eq!(*rw.read().unwrap(), W * N);

    let w = rw.write().unwrap();
    let rw2 = Arc::clone(&rw);
    let reader = thread::spawn(move || *rw2.read().unwrap());
    thread::sleep(Duration::from_millis(30)); // the reader is asleep on the lock by now
    let r = RwLockWriteGuard::downgrade(w);
    assert_eq!(reader.join().unwrap(), W * N, "the waiting reader got in next to the downgraded guard");
    assert!(matches!(rw.try_write(), Err(TryLockError::WouldBlock)));
    drop(r);
    assert!(rw.try_write().is_ok());
    0
}

/// `LazyLock::get`, `get_mut` and `force_mut` (stable since Rust 1.94), poisoning included.
#[unsafe(no_mangle)]
pub extern "C" fn test_lazy_lock_get_and_force_mut() -> i32 {
    let mut lazy = LazyLock::new(|| 5);
    assert_eq!(LazyLock::get(&lazy), None);
    assert_eq!(LazyLock::get_mut(&mut lazy), None);
    *LazyLock::force_mut(&mut lazy) += 1;
    assert_eq!(LazyLock::get(&lazy), Some(&6));
    *LazyLock::get_mut(&mut lazy).unwrap() += 1;
    assert_eq!(*lazy, 7);

    let mut poisoned: LazyLock<u32> = LazyLock::new(|| panic!("initialiser fails"));
    thread::scope(|s| assert!(s.spawn(|| *poisoned).join().is_err()));
    assert_eq!(LazyLock::get(&poisoned), None);
    let err = thread::scope(|s| s.spawn(|| *LazyLock::force_mut(&mut poisoned)).join().unwrap_err());
    assert_eq!(message(&*err), "LazyLock instance has previously been poisoned");
    0
}

/// `panic::panic_any`: the payload reaches `join` as it is, as in std.
#[unsafe(no_mangle)]
pub extern "C" fn test_panic_any() -> i32 {
    let err = thread::spawn(|| wthreads::panic::panic_any(42u32)).join().unwrap_err();
    assert_eq!(err.downcast_ref::<u32>(), Some(&42));
    let err = thread::spawn(|| wthreads::panic::panic_any(String::from("owned"))).join().unwrap_err();
    assert_eq!(err.downcast_ref::<String>().map(String::as_str), Some("owned"));
    let err = thread::spawn(|| wthreads::panic::panic_any("static")).join().unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"static"));
    0
}
