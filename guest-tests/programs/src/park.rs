//! park / unpark tokens, park_timeout, sleep.

use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;
use wthreads::sync::Arc;
use wthreads::thread;
use wthreads::time::Instant;

#[unsafe(no_mangle)]
pub extern "C" fn test_park_unpark() -> i32 {
    // A token given before park makes park return at once; tokens do not accumulate.
    let me = thread::current();
    me.unpark();
    me.unpark();
    let t = Instant::now();
    thread::park();
    assert!(t.elapsed() < Duration::from_secs(5));
    let t = Instant::now();
    thread::park_timeout(Duration::from_millis(20));
    assert!(t.elapsed() >= Duration::from_millis(20), "a second token was kept");
    // Ping-pong 1,000 times between two threads with park/unpark.
    let turn = Arc::new(AtomicU32::new(0));
    let main = thread::current();
    let t2 = Arc::clone(&turn);
    let other = thread::spawn(move || {
        for i in 0..crate::rounds(1_000) {
            while t2.load(Ordering::Acquire) != 2 * i + 1 {
                thread::park();
            }
            t2.store(2 * i + 2, Ordering::Release);
            main.unpark();
        }
    });
    for i in 0..crate::rounds(1_000) {
        turn.store(2 * i + 1, Ordering::Release);
        other.thread().unpark();
        while turn.load(Ordering::Acquire) != 2 * i + 2 {
            thread::park();
        }
    }
    other.join().unwrap();
    // park_timeout returns early when unparked.
    let sleeper = thread::spawn(|| {
        let t = Instant::now();
        thread::park_timeout(Duration::from_secs(30));
        t.elapsed()
    });
    thread::sleep(Duration::from_millis(10));
    sleeper.thread().unpark();
    assert!(sleeper.join().unwrap() < Duration::from_secs(30));
    // sleep never returns early.
    for ms in [1, 5, 15] {
        let t = Instant::now();
        thread::sleep(Duration::from_millis(ms));
        assert!(t.elapsed() >= Duration::from_millis(ms));
    }
    0
}
