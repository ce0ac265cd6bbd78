//! spawn, join, Builder, current, Mutex.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;
use wthreads::time::Instant;

#[unsafe(no_mangle)]
pub extern "C" fn test_spawn_join_value() -> i32 {
    let handles: Vec<_> = (0..8u64).map(|i| thread::spawn(move || i * i)).collect();
    let got: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(got, (0..8u64).map(|i| i * i).collect::<Vec<_>>());
    let s = thread::spawn(|| String::from("a string from a thread")).join().unwrap();
    assert_eq!(s, "a string from a thread");
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_mutex_counter() -> i32 {
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let c = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..crate::rounds(100_000) {
                    *c.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let total = *counter.lock().unwrap();
    wthreads::println!("counter = {total}");
    assert_eq!(total, 8 * u64::from(crate::rounds(100_000)));
    0
}

fn tree(depth: u32) -> u64 {
    if depth == 0 {
        return 1;
    }
    let kids: Vec<_> = (0..2).map(|_| thread::spawn(move || tree(depth - 1))).collect();
    1 + kids.into_iter().map(|k| k.join().unwrap()).sum::<u64>()
}

#[unsafe(no_mangle)]
pub extern "C" fn test_nested_spawn() -> i32 {
    // Threads that spawn threads, 3 levels below the main thread: 1 + 2 + 4 + 8 nodes.
    assert_eq!(tree(3), 15);
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_builder_and_current() -> i32 {
    let main = thread::current();
    assert_eq!(main.name(), Some("main"));
    let h = thread::Builder::new()
        .name(String::from("worker-7"))
        .spawn(|| {
            let me = thread::current();
            (String::from(me.name().unwrap()), me.id())
        })
        .unwrap();
    let handle_id = h.thread().id();
    assert_eq!(h.thread().name(), Some("worker-7"));
    let (name, id) = h.join().unwrap();
    assert_eq!(name, "worker-7");
    assert_eq!(id, handle_id);
    assert_ne!(id, main.id());
    assert_eq!(thread::current().id(), main.id());
    let unnamed = thread::spawn(|| thread::current().name().map(String::from)).join().unwrap();
    assert_eq!(unnamed, None);
    assert!(thread::available_parallelism().unwrap().get() >= 1);
    0
}

/// The main thread's `ThreadId` is 1, as the host numbers it, though a spawned thread asks for
/// its own id first; spawned threads' ids follow.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn test_main_thread_is_one() -> i32 {
    let child = thread::spawn(|| thread::current().id().as_u64().get()).join().unwrap();
    assert_eq!(thread::current().id().as_u64().get(), 1, "the main thread");
    assert!(child >= 2, "a spawned thread: {child}");
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_sleep_and_is_finished() -> i32 {
    let t0 = Instant::now();
    thread::sleep(Duration::from_millis(20));
    assert!(t0.elapsed() >= Duration::from_millis(20), "sleep returned early");
    let gate = Arc::new(Mutex::new(()));
    let held = gate.lock().unwrap();
    let g = Arc::clone(&gate);
    let h = thread::spawn(move || drop(g.lock().unwrap()));
    thread::sleep(Duration::from_millis(10));
    assert!(!h.is_finished(), "thread finished while blocked on a held mutex");
    drop(held);
    while !h.is_finished() {
        thread::yield_now();
    }
    h.join().unwrap();
    0
}
