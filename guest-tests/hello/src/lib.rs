//! Hello threads: the README's example, built in release for the module-size benchmark.
#![no_std]
extern crate alloc;
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;

/// Four threads add 1..=4 to a shared total, which is printed.
#[unsafe(no_mangle)]
pub extern "C" fn main() -> i32 {
    let total = Arc::new(Mutex::new(0u64));
    let hs: alloc::vec::Vec<_> = (1..=4u64)
        .map(|i| {
            let t = Arc::clone(&total);
            thread::spawn(move || *t.lock().unwrap() += i)
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    wthreads::println!("hello threads: total {}", *total.lock().unwrap());
    0
}
