//! A wasm-bindgen crate whose exports spawn wthreads threads: what the page calls (through the
//! web runtime's `Runtime`, on the program's main thread, a worker), and threads that call into
//! JavaScript (web-sys's `console`) from workers of their own.

use std::sync::{Arc, Mutex};
use wasm_bindgen::prelude::*;
use wthreads::thread;

/// The sum of the squares of `0..n`, added up by `threads` threads.
#[wasm_bindgen]
pub fn sum_of_squares(n: u32, threads: u32) -> f64 {
    let threads = threads.max(1);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            thread::spawn(move || (t..n).step_by(threads as usize).map(|i| f64::from(i) * f64::from(i)).sum::<f64>())
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

/// A greeting made on another thread: strings in and out.
#[wasm_bindgen]
pub fn greet(name: &str) -> String {
    let name = name.to_string();
    thread::Builder::new()
        .name("greeter".into())
        .spawn(move || format!("hello, {name}, from thread '{}'", thread::current().name().unwrap_or("?")))
        .unwrap()
        .join()
        .unwrap()
}

/// `threads` threads each log a line to the console through web-sys, from their own workers;
/// returns the lines, in thread order.
#[wasm_bindgen]
pub fn log_from_threads(threads: u32) -> Vec<String> {
    let lines = Arc::new(Mutex::new(vec![String::new(); threads as usize]));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let lines = Arc::clone(&lines);
            thread::spawn(move || {
                let line = format!("thread {t} logs through web-sys");
                web_sys::console::log_1(&JsValue::from_str(&line));
                lines.lock().unwrap()[t as usize] = line;
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    Arc::try_unwrap(lines).unwrap().into_inner().unwrap()
}

/// How many times this has been called: a static that persists between the page's calls.
#[wasm_bindgen]
pub fn calls() -> u32 {
    static CALLS: Mutex<u32> = Mutex::new(0);
    let mut calls = CALLS.lock().unwrap();
    *calls += 1;
    *calls
}
