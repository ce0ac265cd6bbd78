//! The corpus's lock orders (issue 16, docs/check.md): two threads that take locks in opposite
//! orders make a lock-order inversion, a deadlock waiting for the right timing, which `wthreads
//! check` reports even when the run did not deadlock; the two orders taken by one thread alone,
//! or each under a common "gate" lock, cannot deadlock and are not reported. Each prints where
//! its locks are.

use wthreads::sync::{Mutex, RwLock};
use wthreads::thread;

/// Two threads, one after the other, take two mutexes in opposite orders: a lock-order inversion
/// (a potential deadlock, had they run at once), which `wthreads check` reports although this
/// run cannot deadlock. Prints where the two locks are.
#[unsafe(no_mangle)]
pub extern "C" fn test_lock_order_inversion() -> i32 {
    static FIRST: Mutex<u32> = Mutex::new(0);
    static SECOND: Mutex<u32> = Mutex::new(0);
    let forward = thread::spawn(|| {
        let a = FIRST.lock().unwrap();
        *SECOND.lock().unwrap() += *a;
    });
    forward.join().unwrap();
    let backward = thread::spawn(|| {
        let b = SECOND.lock().unwrap();
        *FIRST.lock().unwrap() += *b;
    });
    backward.join().unwrap();
    wthreads::println!("locks at {:p} and {:p}", &FIRST, &SECOND);
    0
}

/// An `RwLock`'s write lock taken before a mutex by one thread, and the mutex before the read
/// lock by another: the read lock waits for the writer as a mutex would, so it is an inversion.
#[unsafe(no_mangle)]
pub extern "C" fn test_lock_order_rwlock_inversion() -> i32 {
    static TABLE: RwLock<u32> = RwLock::new(0);
    static INDEX: Mutex<u32> = Mutex::new(0);
    thread::spawn(|| {
        let mut table = TABLE.write().unwrap();
        *table += *INDEX.lock().unwrap();
    })
    .join()
    .unwrap();
    thread::spawn(|| {
        let mut index = INDEX.lock().unwrap();
        *index += *TABLE.read().unwrap();
    })
    .join()
    .unwrap();
    wthreads::println!("locks at {:p} and {:p}", &TABLE, &INDEX);
    0
}

/// One thread takes two mutexes in one order, later in the other: a thread cannot deadlock
/// with itself over them, so there is nothing to report (ThreadSanitizer would).
#[unsafe(no_mangle)]
pub extern "C" fn test_lock_order_one_thread() -> i32 {
    static FIRST: Mutex<u32> = Mutex::new(0);
    static SECOND: Mutex<u32> = Mutex::new(0);
    thread::spawn(|| {
        {
            let a = FIRST.lock().unwrap();
            *SECOND.lock().unwrap() += *a;
        }
        let b = SECOND.lock().unwrap();
        *FIRST.lock().unwrap() += *b;
    })
    .join()
    .unwrap();
    wthreads::println!("locks at {:p} and {:p}", &FIRST, &SECOND);
    0
}

/// Two threads take two mutexes in opposite orders, each while it holds a third, common one:
/// the gate keeps the two orders from ever running at once, so there is nothing to report.
#[unsafe(no_mangle)]
pub extern "C" fn test_lock_order_gated() -> i32 {
    static GATE: Mutex<()> = Mutex::new(());
    static FIRST: Mutex<u32> = Mutex::new(0);
    static SECOND: Mutex<u32> = Mutex::new(0);
    let forward = thread::spawn(|| {
        let _gate = GATE.lock().unwrap();
        let a = FIRST.lock().unwrap();
        *SECOND.lock().unwrap() += *a;
    });
    let backward = thread::spawn(|| {
        let _gate = GATE.lock().unwrap();
        let b = SECOND.lock().unwrap();
        *FIRST.lock().unwrap() += *b;
    });
    forward.join().unwrap();
    backward.join().unwrap();
    wthreads::println!("locks at {:p} and {:p}", &FIRST, &SECOND);
    0
}
