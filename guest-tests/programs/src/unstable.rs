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
    const PER: u32 = 2_000;
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
