//! Where memory came from, on events written by hand.

use wthreads::abi;
use wthreads_trace::Event;
use wthreads_trace::origin::{Origin, Regions};

fn event(kind: i32, a: u32, b: u32, c: i64, site: u32) -> Event {
    Event { seq: 0, ts_ns: 0, kind, a, b, c, site, text: 0 }
}

/// A stack-first module (Rust's layout): main's stack below 1 MiB, static data above it.
fn regions() -> Regions {
    let mut r = Regions::new();
    r.event(1, &event(abi::MEMORY_LAYOUT, 0x10_0000, 0x11_0000, 0, 0));
    r
}

#[test]
fn stacks_statics_and_the_unseen_heap() {
    let mut r = regions();
    assert_eq!(r.origin(0xf_fff0), Origin::Stack { tid: 1 });
    assert_eq!(r.origin(0x10_8000), Origin::Static);
    assert_eq!(r.origin(0x20_0000), Origin::HeapUnseen);
    r.event(2, &event(abi::THREAD_START, 1, 0x20_0000, 0x21_0000, 0));
    assert_eq!(r.origin(0x20_fffc), Origin::Stack { tid: 2 });
    assert_eq!(r.origin(0x21_0000), Origin::HeapUnseen);
    // A later thread given the same stack owns it now.
    r.event(3, &event(abi::THREAD_START, 1, 0x20_0000, 0x21_0000, 0));
    assert_eq!(r.origin(0x20_0000), Origin::Stack { tid: 3 });
}

#[test]
fn heap_blocks_name_their_allocating_thread_until_freed() {
    let mut r = regions();
    // The allocator takes (alignment, size) here: a size of 24 shows which word it is.
    r.event(2, &event(abi::HEAP_ALLOC, 0x30_0000, 8, 24, 7));
    r.event(3, &event(abi::HEAP_ALLOC, 0x30_0100, 4, 64, 9));
    let block = |start, len, tid, site| Origin::Heap { start, len, tid, site };
    assert_eq!(r.origin(0x30_0017), block(0x30_0000, 24, 2, 7));
    assert_eq!(r.origin(0x30_0018), Origin::HeapUnseen);
    assert_eq!(r.origin(0x30_013f), block(0x30_0100, 64, 3, 9), "64 is the size: 24 showed the order");
    // A reallocation gives its size alone.
    r.event(2, &event(abi::HEAP_FREE, 0x30_0000, 0, 0, 7));
    r.event(2, &event(abi::HEAP_ALLOC, 0x30_0200, 100, 0, 8));
    assert_eq!(r.origin(0x30_0000), Origin::HeapUnseen);
    assert_eq!(r.origin(0x30_0263), block(0x30_0200, 100, 2, 8));
    // A failed allocation is no block.
    r.event(2, &event(abi::HEAP_ALLOC, 0, 8, 24, 7));
    assert_eq!(r.origin(0), Origin::Stack { tid: 1 });
}
