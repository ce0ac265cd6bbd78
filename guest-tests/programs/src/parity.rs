//! std parity, second pass: behaviour std's own `std::sync`/`std::thread` tests expect, with
//! std's words.

use alloc::string::String;
use wthreads::sync::LazyLock;
use wthreads::thread;

/// The message of a thread's panic payload.
fn message(err: &(dyn core::any::Any + Send)) -> &str {
    err.downcast_ref::<String>().map(String::as_str).or_else(|| err.downcast_ref::<&str>().copied()).unwrap_or("")
}

#[unsafe(no_mangle)]
pub extern "C" fn test_lazy_lock_poisoned_message() -> i32 {
    static LAZY: LazyLock<u32> = LazyLock::new(|| panic!("initialiser fails"));
    let first = thread::spawn(|| *LAZY).join().unwrap_err();
    assert_eq!(message(&*first), "initialiser fails");
    let second = thread::spawn(|| *LAZY).join().unwrap_err();
    assert_eq!(message(&*second), "LazyLock instance has previously been poisoned");
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_thread_name_with_nul() -> i32 {
    let err = thread::spawn(|| thread::Builder::new().name(String::from("a\0b")).spawn(|| ()).map(|_| ()))
        .join()
        .unwrap_err();
    assert_eq!(message(&*err), "thread name may not contain interior null bytes");
    0
}
