//! Exports for a host that keeps one run for many calls (the web runtime's `Runtime`): what must
//! persist from one call to the next (a static, the main thread's thread-locals, a thread that
//! waits between calls), and input and output through memory the host allocates with
//! `wthreads_alloc`. `test_calls_in_one_run` makes the same calls in one run, on every host.

use alloc::boxed::Box;
use alloc::string::String;
use core::cell::Cell;
use wthreads::sync::Mutex;
use wthreads::sync::mpsc::{self, Receiver, Sender};
use wthreads::thread::{self, JoinHandle};
use wthreads::thread_local;

static TOTAL: Mutex<i64> = Mutex::new(0);

thread_local! {
    static CALLS: Cell<i32> = const { Cell::new(0) };
}

/// A thread kept between calls: where to send it numbers, where it answers, and its handle.
struct Worker {
    numbers: Sender<i32>,
    sums: Receiver<i64>,
    handle: JoinHandle<i64>,
}

static WORKER: Mutex<Option<Worker>> = Mutex::new(None);

/// Adds `n` to a static total and returns the total (an i64: a BigInt on the web).
#[unsafe(no_mangle)]
pub extern "C" fn calls_add(n: i32) -> i64 {
    let mut total = TOTAL.lock().unwrap();
    *total += i64::from(n);
    *total
}

/// `x * by`: a call with an i64 and an f64 argument and an f64 result, for hosts that call
/// exports of any scalar type (`wthreads run --arg`, the embedding API's typed calls).
#[unsafe(no_mangle)]
pub extern "C" fn calls_scale(x: i64, by: f64) -> f64 {
    x as f64 * by
}

/// How many times the calling thread has called this: the main thread's thread-locals persist.
#[unsafe(no_mangle)]
pub extern "C" fn calls_count() -> i32 {
    CALLS.set(CALLS.get() + 1);
    CALLS.get()
}

/// Starts a thread that keeps a running sum of the numbers it is sent, answering each with the
/// sum; it waits for the next between calls. Returns its `ThreadId`, or -1 if one runs already.
#[unsafe(no_mangle)]
pub extern "C" fn calls_worker_start() -> i32 {
    let mut worker = WORKER.lock().unwrap();
    if worker.is_some() {
        return -1;
    }
    let (numbers, inbox) = mpsc::channel::<i32>();
    let (answers, sums) = mpsc::channel::<i64>();
    let handle = thread::Builder::new()
        .name(String::from("summer"))
        .spawn(move || {
            let mut sum = 0i64;
            for n in inbox {
                sum += i64::from(n);
                answers.send(sum).unwrap();
            }
            sum
        })
        .unwrap();
    let id = handle.thread().id().as_u64().get() as i32;
    *worker = Some(Worker { numbers, sums, handle });
    id
}

/// Sends `n` to the thread of `calls_worker_start` and returns its running sum.
#[unsafe(no_mangle)]
pub extern "C" fn calls_worker_send(n: i32) -> i64 {
    let worker = WORKER.lock().unwrap();
    let worker = worker.as_ref().expect("calls_worker_start first");
    worker.numbers.send(n).unwrap();
    worker.sums.recv().unwrap()
}

/// Ends the thread of `calls_worker_start` and returns its final sum.
#[unsafe(no_mangle)]
pub extern "C" fn calls_worker_stop() -> i64 {
    let Worker { numbers, handle, .. } = WORKER.lock().unwrap().take().expect("calls_worker_start first");
    drop(numbers);
    handle.join().unwrap()
}

/// The sum of the `len` bytes at `ptr`, added up by four threads.
///
/// # Safety
/// `ptr` must point to `len` readable bytes (the host's block from `wthreads_alloc`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn calls_sum_bytes(ptr: *const u8, len: usize) -> i64 {
    // SAFETY: the caller passes `len` readable bytes at `ptr`, which nothing writes meanwhile.
    let bytes = unsafe { core::slice::from_raw_parts(ptr, len) };
    let part = len.div_ceil(4).max(1);
    thread::scope(|s| {
        let sums: alloc::vec::Vec<_> =
            bytes.chunks(part).map(|c| s.spawn(move || c.iter().map(|&b| i64::from(b)).sum::<i64>())).collect();
        sums.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// A block the guest made for the host: on wasm32 two u32s, its address, then its length.
#[repr(C)]
pub struct Block {
    /// Where it starts.
    pub ptr: *mut u8,
    /// Its length in bytes.
    pub len: usize,
}

/// Upper-cases the UTF-8 text of `len` bytes at `ptr` on another thread, into a new block that
/// it describes in `out`; the host frees the block with `wthreads_free(ptr, len, 1)`. Returns 0,
/// or 1 if the text is not UTF-8.
///
/// # Safety
/// `ptr` must point to `len` readable bytes, and `out` to a writable, aligned `Block`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn calls_shout(ptr: *const u8, len: usize, out: *mut Block) -> i32 {
    // SAFETY: the caller passes `len` readable bytes at `ptr`.
    let bytes = unsafe { core::slice::from_raw_parts(ptr, len) };
    let Ok(text) = core::str::from_utf8(bytes) else { return 1 };
    let text = String::from(text);
    let loud: Box<[u8]> = thread::spawn(move || text.to_uppercase().into_bytes().into_boxed_slice()).join().unwrap();
    let len = loud.len();
    // SAFETY: the caller passes a writable, aligned `Block` at `out`.
    unsafe { out.write(Block { ptr: Box::into_raw(loud).cast(), len }) };
    0
}

/// The calls above in one run, as a host that keeps the run makes them one after another.
#[unsafe(no_mangle)]
pub extern "C" fn test_calls_in_one_run() -> i32 {
    assert_eq!(calls_add(2), 2);
    assert_eq!(calls_add(40), 42);
    assert_eq!((calls_count(), calls_count()), (1, 2));
    assert!(calls_worker_start() > 1);
    assert_eq!((calls_worker_send(5), calls_worker_send(6)), (5, 11));
    assert_eq!(calls_worker_stop(), 11);
    let input: Box<[u8]> = Box::from(&b"wthreads"[..]);
    let at = input.as_ptr();
    // SAFETY: `at` holds the input's bytes.
    assert_eq!(unsafe { calls_sum_bytes(at, input.len()) }, input.iter().map(|&b| i64::from(b)).sum());
    let mut out = Block { ptr: core::ptr::null_mut(), len: 0 };
    // SAFETY: `at` holds the input's bytes; `out` is a writable `Block`.
    assert_eq!(unsafe { calls_shout(at, input.len(), &mut out) }, 0);
    // SAFETY: `calls_shout` made the block from a `Box<[u8]>`, which is ours to free.
    let loud = unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(out.ptr, out.len)) };
    assert_eq!(&*loud, b"WTHREADS");
    0
}
