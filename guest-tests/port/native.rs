//! An ordinary threaded Rust program: `native.rs` is written for std, and `guest.rs` is the
//! same program for a `#![no_std]` wasm guest with only its `use` lines changed. The host tests
//! check that, and that both print the same.

use std::cell::Cell;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

/// Counts what one thread did; reports when the thread ends.
struct Tally {
    count: Cell<u32>,
}

impl Drop for Tally {
    fn drop(&mut self) {
        println!("  tally of {:?} dropped at {}", thread::current().name(), self.count.get());
    }
}

thread_local! {
    static TALLY: Tally = const { Tally { count: Cell::new(0) } };
}

pub fn main() {
    // Producer/consumer with a Mutex and a Condvar.
    let queue = Arc::new((Mutex::new((Vec::new(), false)), Condvar::new()));
    let q = Arc::clone(&queue);
    let consumer = thread::spawn(move || {
        let (lock, cvar) = &*q;
        let mut sum = 0u64;
        loop {
            let mut state = cvar.wait_while(lock.lock().unwrap(), |(items, done)| items.is_empty() && !*done).unwrap();
            match state.0.pop() {
                Some(x) => sum += x,
                None => return sum,
            }
        }
    });
    let (lock, cvar) = &*queue;
    for i in 1..=1000u64 {
        lock.lock().unwrap().0.push(i);
        cvar.notify_one();
    }
    lock.lock().unwrap().1 = true;
    cvar.notify_all();
    println!("condvar: the consumer summed {}", consumer.join().unwrap());

    // Producers and a consumer on channels.
    let (tx, rx) = mpsc::channel();
    for id in 0..4u32 {
        let tx = tx.clone();
        thread::spawn(move || {
            for j in 0..25 {
                tx.send(id * 100 + j).unwrap();
            }
        });
    }
    drop(tx);
    let mut got: Vec<u32> = rx.iter().collect();
    got.sort();
    println!("channel: {} messages, from {:?} to {:?}", got.len(), got.first(), got.last());
    let (tx, rx) = mpsc::sync_channel(0);
    let sender = thread::spawn(move || (0..5).map(|i| tx.send(i * i).is_ok()).filter(|ok| *ok).count());
    let squares: Vec<i32> = rx.iter().collect();
    println!("rendezvous: {:?}, {} sends completed", squares, sender.join().unwrap());

    // A scoped parallel sum over borrowed data.
    let data: Vec<u64> = (1..=1_000_000).collect();
    let sum: u64 = thread::scope(|s| {
        let parts: Vec<_> = data.chunks(250_000).map(|c| s.spawn(move || c.iter().sum::<u64>())).collect();
        parts.into_iter().map(|p| p.join().unwrap()).sum()
    });
    println!("scoped sum of {} numbers: {}", data.len(), sum);

    // A thread_local! counter whose destructor runs when each thread ends.
    for n in 1..=3 {
        let worker = thread::Builder::new().name(format!("worker-{n}"));
        let handle = worker
            .spawn(move || {
                for _ in 0..n * 10 {
                    TALLY.with(|t| t.count.set(t.count.get() + 1));
                }
            })
            .unwrap();
        handle.join().unwrap();
    }
    println!("done");
}
