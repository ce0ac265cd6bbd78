//! A panic or trap ends only its own thread; `join` reports it.

use alloc::string::String;
use alloc::vec::Vec;
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;

#[unsafe(no_mangle)]
pub extern "C" fn test_panic_in_thread() -> i32 {
    let done = Arc::new(Mutex::new(0u32));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let d = Arc::clone(&done);
            thread::spawn(move || {
                thread::sleep(core::time::Duration::from_millis(20));
                *d.lock().unwrap() += 1;
            })
        })
        .collect();
    let bad = thread::Builder::new()
        .name(String::from("doomed"))
        .spawn(|| -> u32 { panic!("boom {}", core::hint::black_box(42)) })
        .unwrap();
    let err = bad.join().unwrap_err();
    assert_eq!(err.downcast_ref::<String>().map(String::as_str), Some("boom 42"));
    let literal = thread::spawn(|| panic!("static message")).join().unwrap_err();
    assert_eq!(literal.downcast_ref::<&str>(), Some(&"static message"));
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(*done.lock().unwrap(), 4, "other threads did not finish");
    0
}

#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn test_trap_in_thread() -> i32 {
    let h = thread::spawn(|| -> u32 { core::arch::wasm32::unreachable() });
    let err = h.join().unwrap_err();
    let msg = err.downcast_ref::<String>().expect("a trap's payload is its message");
    assert!(msg.contains("unreachable"), "unexpected trap message: {msg}");
    assert_eq!(thread::spawn(|| 7).join().unwrap(), 7, "spawning after a trap");
    0
}

#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn test_main_panics() -> i32 {
    panic!("the main thread gives up");
}

/// Run with its output piped into `head -n 1`: a thread panics after the reader is gone, and
/// its host report cannot be written. The join must still see the panic and the program must
/// end with its own status.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn test_output_closed() -> i32 {
    wthreads::println!("first line");
    let h = thread::spawn(|| -> u32 {
        thread::sleep(core::time::Duration::from_millis(300));
        panic!("nobody reads this")
    });
    assert!(h.join().is_err());
    for i in 0..100 {
        wthreads::println!("line {i} into a closed pipe");
        wthreads::eprintln!("error line {i} into a closed pipe");
    }
    0
}
