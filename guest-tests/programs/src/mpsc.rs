//! mpsc channels: many producers, FIFO per producer, bounded and rendezvous channels,
//! timeouts and disconnection.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use wthreads::sync::Arc;
use wthreads::sync::mpsc::{self, RecvError, RecvTimeoutError, TryRecvError, TrySendError};
use wthreads::thread;
use wthreads::time::Instant;

#[unsafe(no_mangle)]
pub extern "C" fn test_channel_many_producers() -> i32 {
    let (tx, rx) = mpsc::channel::<(u32, u32)>();
    for p in 0..8u32 {
        let tx = tx.clone();
        thread::spawn(move || {
            for i in 0..crate::rounds(10_000) {
                tx.send((p, i)).unwrap();
            }
        });
    }
    drop(tx);
    let mut next = [0u32; 8];
    let mut count = 0;
    for (p, i) in &rx {
        // Messages of one producer arrive in the order they were sent.
        assert_eq!(i, next[p as usize], "producer {p} out of order");
        next[p as usize] += 1;
        count += 1;
    }
    assert_eq!(count, 8 * crate::rounds(10_000));
    assert_eq!(rx.recv(), Err(RecvError), "every sender is gone");
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_channel_disconnect_and_timeouts() -> i32 {
    let (tx, rx) = mpsc::channel::<u32>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let t = Instant::now();
    assert_eq!(rx.recv_timeout(Duration::from_millis(20)), Err(RecvTimeoutError::Timeout));
    assert!(t.elapsed() >= Duration::from_millis(20));
    // A message that arrives during recv_timeout is returned.
    let tx2 = tx.clone();
    let late = thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        tx2.send(9).unwrap();
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(9));
    late.join().unwrap();
    // Queued messages are still delivered after the senders are gone, then Disconnected.
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Err(RecvTimeoutError::Disconnected));
    // A blocked recv wakes with an error when the last sender goes away.
    let (tx, rx) = mpsc::channel::<u32>();
    let dropper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        drop(tx);
    });
    assert_eq!(rx.recv(), Err(RecvError));
    dropper.join().unwrap();
    // Sending to a dropped receiver gives the message back.
    let (tx, rx) = mpsc::channel::<u32>();
    drop(rx);
    assert_eq!(tx.send(5).unwrap_err().0, 5);
    let (tx, rx) = mpsc::channel::<u32>();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    drop(tx);
    assert_eq!(rx.into_iter().count(), 0);
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_sync_channel_bounded() -> i32 {
    let (tx, rx) = mpsc::sync_channel::<u32>(2);
    tx.try_send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    // A sender blocks while the channel is full and resumes when there is room.
    let sent = Arc::new(AtomicBool::new(false));
    let (tx2, s) = (tx.clone(), Arc::clone(&sent));
    let blocked = thread::spawn(move || {
        tx2.send(3).unwrap();
        s.store(true, Ordering::Release);
    });
    thread::sleep(Duration::from_millis(20));
    assert!(!sent.load(Ordering::Acquire), "send did not block on a full channel");
    assert_eq!(rx.recv(), Ok(1));
    blocked.join().unwrap();
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!(rx.recv(), Ok(3));
    // Many producers through a small buffer: nothing lost.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..crate::rounds(5_000) {
                    tx.send(i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let total: u64 = rx.iter().map(u64::from).sum();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(total, 4 * (0..u64::from(crate::rounds(5_000))).sum::<u64>());
    let (tx, rx) = mpsc::sync_channel::<u32>(1);
    drop(rx);
    assert_eq!(tx.try_send(1), Err(TrySendError::Disconnected(1)));
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_rendezvous_channel() -> i32 {
    let (tx, rx) = mpsc::sync_channel::<u32>(0);
    // Nobody receives: try_send cannot hand the message over.
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    // send returns only after the receiver took the message.
    let taken = Arc::new(AtomicBool::new(false));
    let (t, tx2) = (Arc::clone(&taken), tx.clone());
    let sender = thread::spawn(move || {
        tx2.send(7).unwrap();
        assert!(t.load(Ordering::Acquire), "send returned before the message was received");
    });
    thread::sleep(Duration::from_millis(20));
    assert!(!sender.is_finished(), "a rendezvous send finished without a receiver");
    taken.store(true, Ordering::Release);
    assert_eq!(rx.recv(), Ok(7));
    sender.join().unwrap();
    // try_send succeeds when the receiver is blocked in recv.
    let (tx3, receiver) = (tx.clone(), thread::spawn(move || rx.recv()));
    let t = Instant::now();
    loop {
        match tx3.try_send(8) {
            Ok(()) => break,
            Err(TrySendError::Full(_)) => {
                assert!(t.elapsed() < Duration::from_secs(10), "the receiver never waited");
                thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(receiver.join().unwrap(), Ok(8));
    // The receiver is gone (it moved into the thread and ended): send gives the value back.
    assert_eq!(tx.send(3).unwrap_err().0, 3);
    // A sender blocked in a rendezvous gets its message back when the receiver leaves.
    let (tx, rx) = mpsc::sync_channel::<u32>(0);
    let blocked = thread::spawn(move || tx.send(11));
    thread::sleep(Duration::from_millis(20));
    drop(rx);
    assert_eq!(blocked.join().unwrap().unwrap_err().0, 11);
    0
}
