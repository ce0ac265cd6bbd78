//! Out of memory: a thread that fills the memory with small boxes ends with std's "memory
//! allocation of N bytes failed" (its panic needs no memory), and the other threads go on.

use alloc::alloc::{Layout, alloc, dealloc};
use alloc::boxed::Box;
use alloc::string::String;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use wthreads::sync::{Arc, Mutex};
use wthreads::thread;

/// A block of the hoard: the link to the next one, then padding up to its size.
#[repr(C)]
struct Node {
    next: *mut Node,
}

/// Block sizes the hoarder takes, largest first, each until the allocator has none left; the
/// last one with `Box::new`, which panics when it fails.
const SIZES: [usize; 5] = [1 << 20, 64 << 10, 4 << 10, 256, 32];
const LAST: usize = core::mem::size_of::<Node>();

/// The head of the hoard of blocks of each size (`SIZES`, then `LAST`).
static HOARD: [AtomicPtr<Node>; 6] = [const { AtomicPtr::new(null_mut()) }; 6];

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, core::mem::align_of::<Node>()).unwrap()
}

fn keep(list: usize, node: *mut Node) {
    // SAFETY: `node` is a fresh block of at least a pointer's size and alignment.
    unsafe { node.write(Node { next: HOARD[list].load(Ordering::Relaxed) }) };
    HOARD[list].store(node, Ordering::Relaxed);
}

/// Fills the memory until an allocation fails; the last one panics.
fn hoard() -> ! {
    for (list, &size) in SIZES.iter().enumerate() {
        loop {
            // SAFETY: a non-zero size.
            let p = unsafe { alloc(layout(size)) };
            if p.is_null() {
                break;
            }
            keep(list, p.cast());
        }
    }
    loop {
        let node = Box::into_raw(Box::new(Node { next: null_mut() }));
        keep(SIZES.len(), node);
    }
}

/// Frees the hoard (after its thread ended).
fn release_hoard() {
    let sizes = SIZES.iter().copied().chain([LAST]);
    for (list, size) in sizes.enumerate() {
        let mut node = HOARD[list].swap(null_mut(), Ordering::Relaxed);
        while !node.is_null() {
            // SAFETY: every node of list `list` was allocated with `layout(size)` (the last
            // list by `Box<Node>`, whose layout is `layout(LAST)`) and is freed once.
            unsafe {
                let next = (*node).next;
                dealloc(node.cast(), layout(size));
                node = next;
            }
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn test_oom_small_blocks() -> i32 {
    assert_eq!(Layout::new::<Node>(), layout(LAST));
    // A bystander takes a lock over and over while the memory fills up, allocating nothing.
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(Mutex::new(0u64));
    let (s, c) = (Arc::clone(&stop), Arc::clone(&count));
    let bystander = thread::spawn(move || {
        while !s.load(Ordering::Relaxed) {
            *c.lock().unwrap() += 1;
        }
    });
    let hog = thread::Builder::new().name(String::from("hog")).spawn(|| hoard()).unwrap();
    while !hog.is_finished() {
        thread::sleep(core::time::Duration::from_millis(5));
    }
    // The hog's blocks are reachable through the hoard: give them back, then join (which
    // needs memory for the message).
    release_hoard();
    let err = hog.join().unwrap_err();
    let msg = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .expect("a message");
    assert!(msg.contains(&alloc::format!("memory allocation of {LAST} bytes failed")), "{msg}");
    stop.store(true, Ordering::Relaxed);
    bystander.join().unwrap();
    assert!(*count.lock().unwrap() > 0);
    // Allocation works again, in new threads too.
    let v = thread::spawn(|| alloc::vec![3u8; 1 << 20]).join().unwrap();
    assert_eq!(v.len(), 1 << 20);
    0
}

/// The main thread runs out of memory: the program ends with the allocation message (exit 101),
/// not with a fault of a panic handler that needed memory itself.
#[unsafe(no_mangle)]
pub extern "C" fn test_oom_on_main() -> i32 {
    hoard()
}
