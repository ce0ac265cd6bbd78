//! Programs that deadlock, for the hosts' deadlock watch (`docs/check.md`, "Deadlocks"): each
//! prints where its objects are, then blocks for good; the host ends it with status 102 and a
//! report that the tests match. (Not `test_` programs: they never return. Wasm only: natively
//! nothing would end them.)

use core::sync::atomic::{AtomicBool, Ordering};
use wthreads::sync::{Barrier, Condvar, Mutex, mpsc};
use wthreads::thread;

/// Two threads take two mutexes in opposite orders, and meet at a barrier in between, so both
/// wait for the mutex the other holds.
#[unsafe(no_mangle)]
pub extern "C" fn deadlock_abba() -> i32 {
    static A: Mutex<u32> = Mutex::new(0);
    static B: Mutex<u32> = Mutex::new(0);
    static MET: Barrier = Barrier::new(2);
    wthreads::println!("A at {:p}, B at {:p}", &A, &B);
    let other = thread::Builder::new()
        .name("backward".into())
        .spawn(|| {
            let b = B.lock().unwrap();
            MET.wait();
            *A.lock().unwrap() += *b;
        })
        .unwrap();
    let a = A.lock().unwrap();
    MET.wait();
    *B.lock().unwrap() += *a;
    drop(a);
    other.join().unwrap();
    0
}

/// Two detached threads take two mutexes in opposite orders and wait for each other, while the
/// main thread goes on (it sleeps, then returns 0): the host reports their cycle and the program
/// ends normally.
#[unsafe(no_mangle)]
pub extern "C" fn deadlock_among_workers() -> i32 {
    static C: Mutex<u32> = Mutex::new(0);
    static D: Mutex<u32> = Mutex::new(0);
    static MET: Barrier = Barrier::new(2);
    wthreads::println!("C at {:p}, D at {:p}", &C, &D);
    let forward = thread::spawn(|| {
        let c = C.lock().unwrap();
        MET.wait();
        *D.lock().unwrap() += *c;
    });
    let backward = thread::spawn(|| {
        let d = D.lock().unwrap();
        MET.wait();
        *C.lock().unwrap() += *d;
    });
    drop((forward, backward));
    thread::sleep(core::time::Duration::from_millis(1500));
    0
}

/// The main thread takes a mutex it holds already.
#[unsafe(no_mangle)]
pub extern "C" fn deadlock_relock() -> i32 {
    static M: Mutex<i32> = Mutex::new(0);
    wthreads::println!("M at {:p}", &M);
    let held = M.lock().unwrap();
    let again = M.lock().unwrap();
    *held + *again
}

/// The main thread joins a thread that waits on a condition variable nobody notifies.
#[unsafe(no_mangle)]
pub extern "C" fn deadlock_join() -> i32 {
    static READY: Mutex<bool> = Mutex::new(false);
    static CHANGED: Condvar = Condvar::new();
    wthreads::println!("condvar at {:p}", &CHANGED);
    let waiter = thread::Builder::new()
        .name("waiter".into())
        .spawn(|| {
            let mut ready = READY.lock().unwrap();
            while !*ready {
                ready = CHANGED.wait(ready).unwrap();
            }
        })
        .unwrap();
    waiter.join().unwrap();
    0
}

/// The main thread waits for a message whose sender trapped, holding its `Sender`, without
/// unwinding: the channel never learns that it is disconnected (issue 13's open item).
#[unsafe(no_mangle)]
pub extern "C" fn deadlock_dead_sender() -> i32 {
    static SENT: AtomicBool = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<u32>();
    let sender = thread::Builder::new()
        .name("sender".into())
        .spawn(move || {
            tx.send(1).unwrap();
            SENT.store(true, Ordering::SeqCst);
            // Ends the thread with a trap, `tx` still alive: no destructor runs.
            core::arch::wasm32::unreachable()
        })
        .unwrap();
    assert_eq!(rx.recv(), Ok(1));
    assert!(rx.recv().is_err(), "unreachable: the sender died without dropping its Sender");
    drop(sender);
    0
}

/// The main thread parks, and nobody unparks it.
#[unsafe(no_mangle)]
pub extern "C" fn deadlock_park() -> i32 {
    loop {
        thread::park();
    }
}
