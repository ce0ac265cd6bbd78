//! A hostile guest: calls the runtime API directly with bogus arguments, exhausts the thread
//! limit and the memory. Every case must get an error code or a clean trap of the calling
//! thread, never a host panic; the program goes on afterwards.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use wthreads::abi;
use wthreads::sync::Arc;
use wthreads::thread;

#[link(wasm_import_module = "wthreads")]
unsafe extern "C" {
    #[link_name = "thread_join"]
    fn raw_join(tid: i32, msg_ptr: *mut u8, msg_cap: usize, msg_len: *mut usize) -> i32;
    #[link_name = "thread_detach"]
    fn raw_detach(tid: i32) -> i32;
    #[link_name = "wait32"]
    fn raw_wait32(addr: *const AtomicU32, expected: u32, timeout_ns: i64) -> i32;
    #[link_name = "wake"]
    fn raw_wake(addr: *const AtomicU32, count: u32) -> i32;
    #[link_name = "abort"]
    fn raw_abort(msg_ptr: *const u8, msg_len: usize) -> !;
    #[link_name = "write"]
    fn raw_write(fd: i32, ptr: *const u8, len: usize) -> i32;
}

/// An address past the end of any memory the guest can have (the maximum is 1 GiB).
const FAR: usize = 0xffff_fff0;

fn join_code(tid: i32) -> i32 {
    let mut msg = [0u8; 64];
    let mut len = 0usize;
    // SAFETY: the buffers are valid for the lengths given; the host checks the id.
    unsafe { raw_join(tid, msg.as_mut_ptr(), msg.len(), &mut len) }
}

#[unsafe(no_mangle)]
pub extern "C" fn test_hostile_join_and_detach() -> i32 {
    assert_eq!(join_code(987_654), abi::ERR_NO_SUCH_THREAD, "join of a bogus id");
    assert_eq!(join_code(-5), abi::ERR_NO_SUCH_THREAD, "join of a negative id");
    assert_eq!(join_code(abi::MAIN_THREAD_ID), abi::ERR_JOIN_SELF, "self-join of main");
    // SAFETY: the host checks the id.
    assert_eq!(unsafe { raw_detach(987_654) }, abi::ERR_NO_SUCH_THREAD, "detach of a bogus id");
    // The first thread a fresh program spawns gets host id 2; once joined, it is gone.
    thread::spawn(|| 1).join().unwrap();
    let again = join_code(2);
    assert!(again == abi::ERR_NO_SUCH_THREAD || again == abi::ERR_ALREADY_JOINED, "second join gave {again}");
    // A join buffer outside memory is refused before anything else happens (`h` is the
    // second thread spawned: host id 3).
    let h = thread::spawn(|| 2);
    let mut len = 0usize;
    // SAFETY: the host checks the range and must refuse it.
    let code = unsafe { raw_join(3, FAR as *mut u8, 64, &mut len) };
    assert_eq!(code, abi::ERR_OUT_OF_BOUNDS, "join into a buffer outside memory");
    assert_eq!(h.join().unwrap(), 2, "the thread is still joinable after the refused join");
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_hostile_wait_wake() -> i32 {
    let word = AtomicU32::new(0);
    let misaligned = (&word as *const AtomicU32 as usize + 2) as *const AtomicU32;
    let far = FAR as *const AtomicU32;
    // SAFETY (all): the host checks every address before touching it.
    unsafe {
        assert_eq!(raw_wait32(misaligned, 0, 1_000_000), abi::ERR_MISALIGNED);
        assert_eq!(raw_wait32(far, 0, 1_000_000), abi::ERR_OUT_OF_BOUNDS);
        assert_eq!(raw_wake(misaligned, 1), abi::ERR_MISALIGNED);
        assert_eq!(raw_wake(far, u32::MAX), abi::ERR_OUT_OF_BOUNDS);
        // And the good ones still work.
        assert_eq!(raw_wait32(&word, 1, -1), abi::WAIT_NOT_EQUAL);
        assert_eq!(raw_wait32(&word, 0, 1_000), abi::WAIT_TIMED_OUT);
        assert_eq!(raw_wake(&word, 1), 0);
    }
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_hostile_write() -> i32 {
    let text = b"hostile write\n";
    // SAFETY (all): the host checks fd and range.
    unsafe {
        assert_eq!(raw_write(abi::FD_STDOUT, FAR as *const u8, 64), abi::ERR_OUT_OF_BOUNDS);
        assert_eq!(raw_write(abi::FD_STDOUT, text.as_ptr(), usize::MAX), abi::ERR_INVALID_ARGUMENT);
        assert_eq!(raw_write(7, text.as_ptr(), text.len()), abi::ERR_BAD_FD);
        // Output is bytes: invalid UTF-8 is written as it is.
        assert_eq!(raw_write(abi::FD_STDOUT, b"\xff\xfe\n".as_ptr(), 3), 3);
        assert_eq!(raw_write(abi::FD_STDOUT, text.as_ptr(), text.len()), text.len() as i32);
    }
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_hostile_abort() -> i32 {
    // SAFETY: the host checks the range; the thread ends either way.
    let far = thread::spawn(|| unsafe { raw_abort(FAR as *const u8, 64) }).join().unwrap_err();
    let far = far.downcast_ref::<String>().unwrap();
    assert_eq!(far, "aborted with an unreadable message (address out of bounds)");
    // SAFETY: a valid range holding bytes that are not UTF-8.
    let bad = thread::spawn(|| unsafe { raw_abort(b"bad \xff\xfe".as_ptr(), 6) }).join().unwrap_err();
    let bad = bad.downcast_ref::<String>().unwrap();
    assert!(bad.starts_with("aborted with an invalid UTF-8 message: bad "), "{bad}");
    assert_eq!(thread::spawn(|| 5).join().unwrap(), 5, "spawning after the aborts");
    0
}

/// Run with `--max-threads 64`: a spawn bomb meets the limit with an error, and once its
/// threads end the program can spawn again.
#[unsafe(no_mangle)]
pub extern "C" fn test_hostile_spawn_bomb() -> i32 {
    let release = Arc::new(AtomicBool::new(false));
    let mut live = Vec::new();
    let err = loop {
        let release = Arc::clone(&release);
        let spawned = thread::Builder::new().stack_size(16 << 10).spawn(move || {
            while !release.load(Ordering::Acquire) {
                thread::sleep(core::time::Duration::from_millis(1));
            }
        });
        match spawned {
            Ok(h) => live.push(h),
            Err(e) => break e,
        }
        assert!(live.len() <= 64, "the host's limit of 64 threads was not enforced");
    };
    assert_eq!(live.len(), 64, "spawned {} threads before the limit", live.len());
    assert_eq!(err.raw_os_error(), Some(abi::ERR_THREAD_LIMIT), "{err:?}");
    release.store(true, Ordering::Release);
    for h in live {
        h.join().unwrap();
    }
    assert_eq!(thread::spawn(|| 9).join().unwrap(), 9, "spawning after the bomb");
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_hostile_memory_exhaustion() -> i32 {
    // Past the 1 GiB maximum: memory.grow fails (returns -1) and allocation reports failure.
    assert_eq!(core::arch::wasm32::memory_grow(0, 1 << 16), usize::MAX, "grew past the maximum");
    let mut v: Vec<u8> = Vec::new();
    assert!(v.try_reserve(1 << 31).is_err(), "2 GiB reserved in a 1 GiB memory");
    // Allocation still works afterwards.
    v.try_reserve(1 << 20).unwrap();
    v.resize(1 << 20, 7);
    assert_eq!(v.iter().map(|&b| u64::from(b)).sum::<u64>(), 7 << 20);
    0
}

/// Joins of a bogus id with buffers spanning almost the whole 1 GiB memory: the host checks
/// the ranges without copying them (the native host's test also bounds its peak RSS).
#[unsafe(no_mangle)]
pub extern "C" fn test_hostile_join_buffer() -> i32 {
    const PAGE: usize = 64 << 10;
    let max_pages = (1usize << 30) / PAGE;
    let have = core::arch::wasm32::memory_size(0);
    assert_ne!(core::arch::wasm32::memory_grow(0, max_pages - have), usize::MAX, "growing to 1 GiB");
    let cap = (max_pages - 1) * PAGE;
    let mut len = 0usize;
    for _ in 0..16 {
        // SAFETY: the range [PAGE, PAGE + cap) is inside the memory; the host checks the id.
        let code = unsafe { raw_join(987_654, PAGE as *mut u8, cap, &mut len) };
        assert_eq!(code, abi::ERR_NO_SUCH_THREAD, "join of a bogus id with a 1 GiB buffer");
    }
    0
}

/// Run natively with `--max-threads 30000`: threads that all stay alive are spawned until the
/// OS refuses the resources of one more (on Linux, at ~11,000 by the process's limit of memory
/// mappings), which must come back as `ERR_SPAWN_FAILED`, not end the process; then every thread
/// is let go and joined. Prints "spawned N threads until: ERROR". (Not a `test_` program: a
/// browser or Node cannot hold that many workers, and the web runtime's limit comes first.)
#[unsafe(no_mangle)]
pub extern "C" fn spawn_until_refused() -> i32 {
    let release = Arc::new(AtomicBool::new(false));
    let mut live = Vec::new();
    let err = loop {
        let release = Arc::clone(&release);
        let spawned = thread::Builder::new().stack_size(thread::MIN_STACK_SIZE).spawn(move || {
            while !release.load(Ordering::Acquire) {
                thread::park();
            }
        });
        match spawned {
            Ok(h) => live.push(h),
            Err(e) => break e,
        }
    };
    release.store(true, Ordering::Release);
    for h in &live {
        h.thread().unpark();
    }
    let n = live.len();
    for h in live {
        h.join().unwrap();
    }
    assert_eq!(thread::spawn(|| 9).join().unwrap(), 9, "spawning after the refusal");
    wthreads::println!("spawned {n} threads until: {err} ({:?})", err.raw_os_error());
    0
}

/// `--arg N`: holds N threads alive at once (each has started and waits), then lets them go
/// and joins them; for measuring a host's cost per live thread (README, "Guarantees and
/// limits"). Prints "N threads were alive at once".
#[unsafe(no_mangle)]
pub extern "C" fn hold_live_threads(n: u32) -> i32 {
    let started = Arc::new(AtomicU32::new(0));
    let release = Arc::new(AtomicBool::new(false));
    let live: Vec<_> = (0..n)
        .map(|_| {
            let (started, release) = (Arc::clone(&started), Arc::clone(&release));
            thread::Builder::new()
                .stack_size(thread::MIN_STACK_SIZE)
                .spawn(move || {
                    started.fetch_add(1, Ordering::AcqRel);
                    while !release.load(Ordering::Acquire) {
                        thread::park();
                    }
                })
                .expect("spawn")
        })
        .collect();
    while started.load(Ordering::Acquire) < n {
        thread::sleep(core::time::Duration::from_millis(1));
    }
    wthreads::println!("{n} threads were alive at once");
    release.store(true, Ordering::Release);
    for h in &live {
        h.thread().unpark();
    }
    for h in live {
        h.join().unwrap();
    }
    0
}
