//! std's unstable threading API, which wthreads offers on stable with std's (nightly)
//! signatures: channels (`mpmc`, `oneshot`, `send_timeout`), lock value accessors,
//! `OnceLock::get_or_try_init` and `thread::sleep_until`.

use alloc::vec::Vec;
use core::time::Duration;
use wthreads::sync::{Arc, Mutex, OnceLock, RwLock, mpmc, mpsc, oneshot};
use wthreads::thread;
use wthreads::time::Instant;

/// Three producers and four consumers share one `mpmc` channel through cloned ends: every
/// message arrives exactly once, and the consumers end when the last sender goes.
#[unsafe(no_mangle)]
pub extern "C" fn test_mpmc_work_queue() -> i32 {
    const PER: u32 = crate::rounds(2_000);
    let (tx, rx) = mpmc::sync_channel(8);
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || rx.iter().collect::<Vec<u32>>())
        })
        .collect();
    drop(rx);
    let producers: Vec<_> = (0..3)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || (0..PER).for_each(|i| tx.send(p * PER + i).unwrap()))
        })
        .collect();
    drop(tx);
    for p in producers {
        p.join().unwrap();
    }
    let mut all: Vec<u32> = consumers.into_iter().flat_map(|c| c.join().unwrap()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..3 * PER).collect::<Vec<_>>(), "each message exactly once");

    // Rendezvous with two receivers; queries; disconnection seen from both sides.
    let (tx, rx) = mpmc::sync_channel::<u32>(0);
    assert!(tx.is_full() && rx.is_empty() && tx.capacity() == Some(0));
    let rx2 = rx.clone();
    let taker = thread::spawn(move || rx2.recv().unwrap());
    tx.send(7).unwrap();
    assert_eq!(taker.join().unwrap(), 7);
    assert_eq!(tx.send_timeout(8, Duration::from_millis(20)), Err(mpmc::SendTimeoutError::Timeout(8)));
    assert_eq!(rx.try_recv(), Err(mpmc::TryRecvError::Empty), "a timed-out rendezvous message is taken back");
    assert!(!tx.is_disconnected());
    drop(rx);
    assert!(tx.is_disconnected());
    assert_eq!(tx.send(9), Err(mpmc::SendError(9)));
    0
}

/// `oneshot`: the message crosses threads; `try_recv` and `recv_timeout` hand the receiver back;
/// a dropped end disconnects the other.
#[unsafe(no_mangle)]
pub extern "C" fn test_oneshot() -> i32 {
    let (tx, rx) = oneshot::channel();
    let rx = match rx.try_recv() {
        Err(oneshot::TryRecvError::Empty(rx)) => rx,
        other => panic!("expected Empty, got {other:?}"),
    };
    let rx = match rx.recv_timeout(Duration::from_millis(10)) {
        Err(oneshot::RecvTimeoutError::Timeout(rx)) => rx,
        other => panic!("expected Timeout, got {other:?}"),
    };
    thread::spawn(move || tx.send(alloc::string::String::from("reply")).unwrap());
    assert_eq!(rx.recv().unwrap(), "reply");

    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(matches!(rx.try_recv(), Err(oneshot::TryRecvError::Disconnected)));
    let (tx, rx) = oneshot::channel::<u8>();
    drop(rx);
    assert_eq!(tx.send(1), Err(mpsc::SendError(1)));
    let (tx, rx) = oneshot::channel::<u8>();
    let waiter = thread::spawn(move || rx.recv());
    thread::sleep(Duration::from_millis(10));
    drop(tx);
    assert_eq!(waiter.join().unwrap(), Err(mpsc::RecvError), "a waiting receiver sees the sender go");
    0
}

/// `SyncSender::send_timeout`: times out on a full channel after the timeout, succeeds once
/// there is room, and reports a gone receiver.
#[unsafe(no_mangle)]
pub extern "C" fn test_send_timeout() -> i32 {
    let (tx, rx) = mpsc::sync_channel(1);
    tx.send(1).unwrap();
    let start = Instant::now();
    assert_eq!(tx.send_timeout(2, Duration::from_millis(30)), Err(mpmc::SendTimeoutError::Timeout(2)));
    assert!(start.elapsed() >= Duration::from_millis(30), "returned early: {:?}", start.elapsed());
    let tx2 = tx.clone();
    let late = thread::spawn(move || tx2.send_timeout(3, Duration::from_secs(10)));
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(late.join().unwrap(), Ok(()));
    assert_eq!(rx.recv(), Ok(3));
    drop(rx);
    assert_eq!(tx.send_timeout(4, Duration::from_secs(10)), Err(mpmc::SendTimeoutError::Disconnected(4)));
    0
}

/// `thread::sleep_until`: sleeps until the deadline, and not at all for one that passed.
#[unsafe(no_mangle)]
pub extern "C" fn test_sleep_until() -> i32 {
    let deadline = Instant::now() + Duration::from_millis(20);
    thread::sleep_until(deadline);
    assert!(Instant::now() >= deadline);
    let past = Instant::now();
    thread::sleep(Duration::from_millis(1));
    let before = Instant::now();
    thread::sleep_until(past);
    assert!(before.elapsed() < Duration::from_secs(1));
    assert_eq!(Instant::now().checked_duration_since(Instant::now() + Duration::from_secs(5)), None);
    0
}

/// `get_cloned`, `set` and `replace` of `Mutex` and `RwLock`, poisoned locks included.
#[unsafe(no_mangle)]
pub extern "C" fn test_lock_value_accessors() -> i32 {
    let m = Mutex::new(1);
    assert_eq!(m.replace(2).unwrap(), 1);
    m.set(3).unwrap();
    assert_eq!(m.get_cloned().unwrap(), 3);
    let l = RwLock::new(1);
    assert_eq!(l.replace(2).unwrap(), 1);
    l.set(3).unwrap();
    assert_eq!(l.get_cloned().unwrap(), 3);

    let m = Arc::new(Mutex::new(1));
    let m2 = Arc::clone(&m);
    assert!(
        thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poisons the mutex");
        })
        .join()
        .is_err()
    );
    assert!(m.get_cloned().is_err());
    assert_eq!(m.set(5).unwrap_err().into_inner(), 5, "a poisoned set hands the value back");
    assert_eq!(m.replace(6).unwrap_err().into_inner(), 6);
    0
}

/// `OnceLock::get_or_try_init`: a failed initialiser leaves the cell empty for the next one;
/// racing initialisers run one at a time and all see the one value.
#[unsafe(no_mangle)]
pub extern "C" fn test_once_lock_get_or_try_init() -> i32 {
    let cell: OnceLock<u32> = OnceLock::new();
    assert_eq!(cell.get_or_try_init(|| Err("not yet")), Err("not yet"));
    assert_eq!(cell.get(), None);
    assert_eq!(cell.get_or_try_init(|| Ok::<_, ()>(5)), Ok(&5));
    assert_eq!(cell.get_or_try_init(|| Err(())), Ok(&5));

    let cell: Arc<OnceLock<usize>> = Arc::default();
    let racers: Vec<_> = (0..4)
        .map(|i| {
            let cell = Arc::clone(&cell);
            thread::spawn(move || *cell.get_or_try_init(|| if i % 2 == 0 { Err(i) } else { Ok(i) }).unwrap_or(&99))
        })
        .collect();
    let seen: Vec<usize> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    let value = *cell.get().expect("an odd racer initialised it");
    assert!(value % 2 == 1);
    assert!(seen.iter().all(|&s| s == value || s == 99), "{seen:?}");
    0
}

/// The mapped guards: they narrow the view, keep the lock held until dropped, and a thread that
/// dies holding one poisons the lock like any guard.
#[unsafe(no_mangle)]
pub extern "C" fn test_mapped_guards() -> i32 {
    use wthreads::sync::{
        MappedMutexGuard, MappedRwLockWriteGuard, MutexGuard, RwLockReadGuard, RwLockWriteGuard, TryLockError,
    };
    let m = Arc::new(Mutex::new((1, [2, 3])));
    let mut second = MappedMutexGuard::map(MutexGuard::map(m.lock().unwrap(), |t| &mut t.1), |a| &mut a[1]);
    *second = 30;
    assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)), "a mapped guard holds the lock");
    drop(second);
    assert_eq!(*m.lock().unwrap(), (1, [2, 30]));
    let back = MutexGuard::filter_map(m.lock().unwrap(), |t| t.1.get_mut(9)).unwrap_err();
    assert_eq!(back.0, 1, "filter_map hands the guard back");
    drop(back);

    let m2 = Arc::clone(&m);
    assert!(
        thread::spawn(move || {
            let mut first = MutexGuard::map(m2.lock().unwrap(), |t| &mut t.0);
            *first = 10;
            panic!("dies holding a mapped guard");
        })
        .join()
        .is_err()
    );
    assert_eq!(m.lock().unwrap_err().into_inner().0, 10, "poisoned, with the dead thread's write");

    let l = RwLock::new((alloc::vec![1, 2], 0));
    let (a, b) =
        (RwLockReadGuard::map(l.read().unwrap(), |t| &t.0[0]), RwLockReadGuard::map(l.read().unwrap(), |t| &t.1));
    assert_eq!((*a, *b), (1, 0));
    assert!(l.try_write().is_err(), "mapped read guards hold read locks");
    drop((a, b));
    let w = RwLockWriteGuard::map(l.write().unwrap(), |t| &mut t.0);
    *MappedRwLockWriteGuard::map(w, |v| &mut v[1]) = 20;
    assert_eq!(l.read().unwrap().0, [1, 20]);
    0
}

/// `nonpoison` locks: no `Result`s, a dead holder's lock taken over without a report, and a
/// `Condvar` that waits on a `&mut` guard.
#[unsafe(no_mangle)]
pub extern "C" fn test_nonpoison_locks() -> i32 {
    use wthreads::sync::nonpoison::{self, RwLockWriteGuard};
    let m = Arc::new(nonpoison::Mutex::new(0u32));
    let m2 = Arc::clone(&m);
    assert!(
        thread::spawn(move || {
            *m2.lock() = 1;
            let _g = m2.lock();
            panic!("dies holding a nonpoison mutex");
        })
        .join()
        .is_err()
    );
    assert_eq!(*m.lock(), 1, "taken over without poison");
    assert_eq!(m.replace(2), 1);
    m.set(3);
    assert_eq!(m.with_mut(|v| *v + 1), 4);
    let g = m.lock();
    assert!(m.try_lock().is_err());
    drop(g);

    let pair = Arc::new((nonpoison::Mutex::new(0u32), nonpoison::Condvar::new()));
    let p2 = Arc::clone(&pair);
    let pong = thread::spawn(move || {
        for i in 0..100 {
            let mut g = p2.0.lock();
            p2.1.wait_while(&mut g, |n| *n != 2 * i + 1);
            *g += 1;
            p2.1.notify_all();
        }
    });
    for i in 0..100 {
        let mut g = pair.0.lock();
        pair.1.wait_while(&mut g, |n| *n != 2 * i);
        *g += 1;
        pair.1.notify_all();
    }
    pong.join().unwrap();
    assert_eq!(*pair.0.lock(), 200);
    let r = pair.1.wait_timeout(&mut pair.0.lock(), Duration::from_millis(5));
    assert!(r.timed_out());

    let l = nonpoison::RwLock::new(1);
    let mut w = l.write();
    *w = 2;
    let r = RwLockWriteGuard::downgrade(w);
    assert!(l.try_read().is_ok() && l.try_write().is_err());
    drop(r);
    assert_eq!(l.with(|v| *v), 2);
    0
}

/// `ReentrantLock`: the holder takes it again; other threads wait until its last guard goes;
/// a holder that died leaves it to the next thread.
#[unsafe(no_mangle)]
pub extern "C" fn test_reentrant_lock() -> i32 {
    use core::cell::RefCell;
    use wthreads::sync::ReentrantLock;
    let lock = Arc::new(ReentrantLock::new(RefCell::new(Vec::new())));
    let outer = lock.lock();
    outer.borrow_mut().push(1);
    {
        let inner = lock.lock();
        inner.borrow_mut().push(2);
        let l2 = Arc::clone(&lock);
        assert!(thread::spawn(move || l2.try_lock().is_none()).join().unwrap(), "held twice");
    }
    let l2 = Arc::clone(&lock);
    assert!(thread::spawn(move || l2.try_lock().is_none()).join().unwrap(), "still held once");
    let l2 = Arc::clone(&lock);
    let waiter = thread::spawn(move || l2.lock().borrow().clone());
    thread::sleep(Duration::from_millis(10));
    outer.borrow_mut().push(3);
    drop(outer);
    assert_eq!(waiter.join().unwrap(), [1, 2, 3]);

    let l2 = Arc::clone(&lock);
    assert!(
        thread::spawn(move || {
            let _a = l2.lock();
            let _b = l2.lock();
            panic!("dies holding it twice");
        })
        .join()
        .is_err()
    );
    let g = lock.lock();
    g.borrow_mut().push(4);
    drop(g);
    assert!(lock.try_lock().is_some());
    0
}
