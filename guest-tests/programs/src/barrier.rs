//! Barrier: rounds, exactly one leader per round, nobody passes early.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use wthreads::sync::{Arc, Barrier};
use wthreads::thread;

#[unsafe(no_mangle)]
pub extern "C" fn test_barrier_rounds() -> i32 {
    const N: u32 = 8;
    const ROUNDS: u32 = 200;
    let barrier = Arc::new(Barrier::new(N as usize));
    let arrived = Arc::new(AtomicU32::new(0));
    let handles: Vec<_> = (0..N)
        .map(|_| {
            let (b, a) = (Arc::clone(&barrier), Arc::clone(&arrived));
            thread::spawn(move || {
                let mut leader = 0;
                for round in 1..=ROUNDS {
                    a.fetch_add(1, Ordering::SeqCst);
                    if b.wait().is_leader() {
                        leader += 1;
                    }
                    let seen = a.load(Ordering::SeqCst);
                    assert!(seen >= round * N, "passed round {round} with only {seen} arrivals");
                }
                leader
            })
        })
        .collect();
    let leaders: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(leaders, ROUNDS, "exactly one leader per round");
    assert!(Barrier::new(0).wait().is_leader() && Barrier::new(1).wait().is_leader());
    0
}
