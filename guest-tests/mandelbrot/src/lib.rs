//! The demo guest: renders the Mandelbrot set with N threads that take rows from a shared
//! counter. `#![no_std]`, built on stable.
#![no_std]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;

mod pixel;
use pixel::pixel;

/// The last rendered image (one grey byte per pixel), kept alive for the host to read.
static IMAGE: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Which of the last render's threads (0, 1, …) computed each row, for the host to show.
static ROW_THREADS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn row(y: u32, width: u32, height: u32) -> Vec<u8> {
    (0..width).map(|x| pixel(x, y, width, height)).collect()
}

/// Renders a `width`×`height` image with `threads` threads; returns the address of the pixels.
#[unsafe(no_mangle)]
pub extern "C" fn render(width: u32, height: u32, threads: u32) -> *const u8 {
    let next = Arc::new(AtomicU32::new(0));
    let workers: Vec<_> = (0..threads.max(1))
        .map(|_| {
            let next = Arc::clone(&next);
            thread::spawn(move || {
                let mut rows = Vec::new();
                loop {
                    // Relaxed: the counter only hands out distinct row numbers.
                    let y = next.fetch_add(1, Ordering::Relaxed);
                    if y >= height {
                        return rows;
                    }
                    rows.push((y, row(y, width, height)));
                }
            })
        })
        .collect();
    let mut image = vec![0u8; (width * height) as usize];
    let mut by = vec![0u8; height as usize];
    for (t, w) in workers.into_iter().enumerate() {
        for (y, pixels) in w.join().unwrap() {
            let start = (y * width) as usize;
            image[start..start + width as usize].copy_from_slice(&pixels);
            by[y as usize] = t as u8;
        }
    }
    *ROW_THREADS.lock().unwrap() = by;
    let mut slot = IMAGE.lock().unwrap();
    *slot = image;
    slot.as_ptr()
}

/// Which thread of the last `render` (0 to `threads - 1`; thread 256 and later wrap) computed
/// each of its rows: the address of one byte per row.
#[unsafe(no_mangle)]
pub extern "C" fn row_threads() -> *const u8 {
    ROW_THREADS.lock().unwrap().as_ptr()
}

/// Guest test: the threaded image equals the one rendered row by row on one thread, and each
/// row names one of the render's threads.
#[unsafe(no_mangle)]
pub extern "C" fn test_mandelbrot_matches_serial() -> i32 {
    let (w, h) = (160, 120);
    let serial: Vec<u8> = (0..h).flat_map(|y| row(y, w, h)).collect();
    for threads in [1, 3, 8] {
        render(w, h, threads);
        assert!(*IMAGE.lock().unwrap() == serial, "{threads} threads rendered a different image");
        let by = ROW_THREADS.lock().unwrap();
        assert!(by.len() == h as usize && by.iter().all(|&t| u32::from(t) < threads), "rows' threads: {by:?}");
    }
    0
}
