//! The guest of the embedding example: a sum split over threads, each of which tells the
//! embedding application how far it got through an import the application defines.
#![no_std]
extern crate alloc;
use alloc::vec::Vec;
use wthreads::thread;

#[link(wasm_import_module = "app")]
unsafe extern "C" {
    /// The application's own import: worker `worker` has done `done` of its `of` numbers.
    fn report_progress(worker: u32, done: u64, of: u64);
}

/// How many times each worker reports its progress.
const REPORTS: u64 = 4;

/// Sums the squares of 1..=n (mod 2^64) on `threads` threads, each taking every `threads`-th
/// number and reporting its progress [`REPORTS`] times; prints and returns the sum.
#[unsafe(no_mangle)]
pub extern "C" fn sum_of_squares(threads: u32, n: u64) -> u64 {
    let threads = threads.max(1);
    let handles: Vec<_> = (0..threads)
        .map(|worker| {
            thread::Builder::new()
                .name(alloc::format!("worker {worker}"))
                .spawn(move || {
                    let mine: Vec<u64> = (1..=n).skip(worker as usize).step_by(threads as usize).collect();
                    let chunk = (mine.len() as u64).div_ceil(REPORTS).max(1);
                    let mut sum = 0u64;
                    for (i, k) in mine.iter().enumerate() {
                        sum = sum.wrapping_add(k.wrapping_mul(*k));
                        let done = i as u64 + 1;
                        if done % chunk == 0 || done == mine.len() as u64 {
                            // SAFETY: the embedder defines `app.report_progress` with this
                            // signature; it reads nothing of the guest's memory.
                            unsafe { report_progress(worker, done, mine.len() as u64) };
                        }
                    }
                    sum
                })
                .expect("a worker thread starts")
        })
        .collect();
    let sum = handles.into_iter().fold(0u64, |s, h| s.wrapping_add(h.join().expect("a worker returns")));
    wthreads::println!("sum of squares of 1..={n} on {threads} threads: {sum}");
    sum
}
