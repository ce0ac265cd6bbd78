//! Per-thread shadow stacks: separate, sized by `Builder::stack_size`.

use alloc::vec::Vec;
use core::hint::black_box;
use wthreads::thread;

/// Recurses `depth` times with a 1 KiB frame on the shadow stack; the result depends on every
/// frame's contents, so two threads sharing a stack would get wrong sums.
#[inline(never)]
fn recurse(depth: u32, seed: u64) -> u64 {
    let mut frame = [0u8; 1024];
    for (i, b) in frame.iter_mut().enumerate() {
        *b = (seed as u8).wrapping_add(i as u8).wrapping_mul(depth as u8 | 1);
    }
    let frame = black_box(&mut frame);
    let below = if depth == 0 { 0 } else { recurse(depth - 1, seed) };
    // Read the frame after the recursion returns: a clobbered stack shows here.
    below.wrapping_add(frame.iter().map(|&b| u64::from(b)).sum::<u64>())
}

fn expected(depth: u32, seed: u64) -> u64 {
    (0..=depth)
        .map(|d| {
            (0..1024u64).map(|i| u64::from((seed as u8).wrapping_add(i as u8).wrapping_mul(d as u8 | 1))).sum::<u64>()
        })
        .sum()
}

#[unsafe(no_mangle)]
pub extern "C" fn test_deep_recursion_8_threads() -> i32 {
    // 8 threads at once, each ~512 KiB deep on a 1 MiB stack.
    let handles: Vec<_> = (0..8u64)
        .map(|seed| thread::Builder::new().stack_size(1 << 20).spawn(move || (seed, recurse(480, seed))).unwrap())
        .collect();
    for h in handles {
        let (seed, got) = h.join().unwrap();
        assert_eq!(got, expected(480, seed), "thread {seed} computed a wrong sum");
    }
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_stack_size_64k() -> i32 {
    let h = thread::Builder::new().stack_size(64 << 10).spawn(|| recurse(40, 3)).unwrap();
    assert_eq!(h.join().unwrap(), expected(40, 3));
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn test_stack_size_8m() -> i32 {
    // ~6 MiB deep: only fits in the requested 8 MiB.
    let h = thread::Builder::new().stack_size(8 << 20).spawn(|| recurse(6000, 5)).unwrap();
    assert_eq!(h.join().unwrap(), expected(6000, 5));
    0
}

/// Recurses without end, 1 KiB of shadow stack per call.
#[allow(unconditional_recursion)]
#[inline(never)]
fn runaway(depth: u32) -> u64 {
    let mut frame = [depth as u8; 1024];
    let frame = black_box(&mut frame);
    runaway(depth + 1).wrapping_add(u64::from(frame[depth as usize % 1024]))
}

#[unsafe(no_mangle)]
pub extern "C" fn test_stack_overflow_caught() -> i32 {
    // Heap blocks around the runaway thread's stack, checked afterwards.
    let canaries: Vec<Vec<u64>> = (0..64u64).map(|i| alloc::vec![i.wrapping_mul(0x9e37_79b9_7f4a_7c15); 128]).collect();
    let workers: Vec<_> = (0..4u64)
        .map(|seed| thread::Builder::new().stack_size(256 << 10).spawn(move || recurse(150, seed)).unwrap())
        .collect();
    let bad = thread::Builder::new().name("runaway".into()).stack_size(64 << 10).spawn(|| runaway(0)).unwrap();
    let more: Vec<Vec<u64>> = (0..64u64).map(|i| alloc::vec![!i; 128]).collect();

    let err = bad.join().unwrap_err();
    let msg = err.downcast_ref::<alloc::string::String>().expect("the payload is the message");
    assert_eq!(
        msg,
        "thread 'runaway' overflowed its stack of 64 KiB; give it a larger one with thread::Builder::stack_size"
    );
    for (seed, w) in workers.into_iter().enumerate() {
        assert_eq!(w.join().unwrap(), expected(150, seed as u64), "worker {seed} computed a wrong sum");
    }
    for (i, c) in canaries.iter().enumerate() {
        assert!(
            c.iter().all(|&v| v == (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            "heap block {i} was overwritten"
        );
    }
    for (i, c) in more.iter().enumerate() {
        assert!(c.iter().all(|&v| v == !(i as u64)), "heap block {i} was overwritten");
    }
    // The program goes on: threads, allocation and the thread's own stack size are fine.
    assert_eq!(
        thread::Builder::new().stack_size(64 << 10).spawn(|| recurse(40, 3)).unwrap().join().unwrap(),
        expected(40, 3)
    );
    0
}
