use alloc::vec::Vec;
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;

#[unsafe(no_mangle)]
pub extern "C" fn test_spawn_join_value() -> i32 {
    let handles: Vec<_> = (0..8u64).map(|i| thread::spawn(move || i * i)).collect();
    let got: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(got, (0..8u64).map(|i| i * i).collect::<Vec<_>>());
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_mutex_counter() -> i32 {
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let c = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..100_000 {
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
    assert_eq!(total, 800_000);
    0
}
