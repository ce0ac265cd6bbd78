//! The stress command: `wthreads run PROGRAMS.wasm --invoke stress --arg SECONDS --arg THREADS
//! --arg FAULT`. THREADS workers (16 in the documented run) each pick operations at random for
//! SECONDS: mutex increments, read/write locks, a condvar work queue, a channel into a sink
//! thread, spawning and joining a child with a thread-local that has a destructor, and heap
//! blocks filled with a pattern that is checked before they are freed. A watchdog on the main
//! thread watches every worker's progress.
//!
//! At the end the invariants are checked, and each one that fails is printed:
//! - no lost update: the mutex counter equals the increments the workers counted, a reader
//!   never saw a half-done write, everything put in the queue or the channel came out once;
//! - no corruption: every heap block still holds its pattern, every child returned its sum;
//! - no deadlock: no worker went 5 s without finishing an operation;
//! - no leak: every thread-local value was dropped once, and the heap holds exactly the bytes
//!   it held before.
//!
//! FAULT plants a bug so that a test can see each check fail: 1 an increment outside the lock
//! (lost updates), 2 a heap block that is never freed (a leak), 3 two workers that take two
//! locks in opposite orders (a deadlock). Returns 0, or 1 with the failures printed.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use core::time::Duration;
use wthreads::sync::{Arc, Condvar, Mutex, RwLock, mpsc};
use wthreads::thread;
use wthreads::time::Instant;

/// A worker that finishes no operation for this long is stuck.
const STALL: Duration = Duration::from_secs(5);
/// Most heap blocks a worker keeps alive at once.
const BLOCKS: usize = 8;

const FAULT_LOST_UPDATE: i32 = 1;
const FAULT_LEAK: i32 = 2;
const FAULT_DEADLOCK: i32 = 3;

/// Thread-locals of children created and dropped.
static LOCALS_CREATED: AtomicU32 = AtomicU32::new(0);
static LOCALS_DROPPED: AtomicU32 = AtomicU32::new(0);

struct Local(u32);
impl Local {
    fn new() -> Local {
        LOCALS_CREATED.fetch_add(1, Ordering::Relaxed);
        Local(0)
    }
}
impl Drop for Local {
    fn drop(&mut self) {
        LOCALS_DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}
wthreads::thread_local! {
    static LOCAL: core::cell::RefCell<Local> = core::cell::RefCell::new(Local::new());
}

/// xorshift64: each worker's own sequence of operations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Everything the workers share.
struct Shared {
    stop: AtomicBool,
    fault: i32,
    counter: Mutex<u64>,
    pair: RwLock<(u64, u64)>,
    torn_reads: AtomicU64,
    queue: Mutex<VecDeque<u64>>,
    queue_ready: Condvar,
    lock_a: Mutex<()>,
    lock_b: Mutex<()>,
    /// Per worker: operations finished so far (the watchdog reads them).
    progress: Vec<AtomicU64>,
}

/// What one worker did, for the invariants.
#[derive(Default)]
struct Tally {
    ops: u64,
    increments: u64,
    writes: u64,
    queued: u64,
    dequeued: u64,
    sent: u64,
    spawned: u64,
    allocated: u64,
    errors: Vec<alloc::string::String>,
}

/// A heap block filled with a pattern derived from its owner and number.
struct Block {
    bytes: Vec<u8>,
    pattern: u8,
}

impl Block {
    fn new(rng: &mut Rng, pattern: u8) -> Block {
        let len = 1 + rng.below(16 * 1024) as usize;
        Block { bytes: alloc::vec![pattern; len], pattern }
    }
    fn intact(&self) -> bool {
        self.bytes.iter().all(|&b| b == self.pattern)
    }
}

fn worker(me: usize, shared: &Shared, tx: mpsc::Sender<u64>) -> Tally {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((me as u64 + 1) << 32 | 1));
    let mut tally = Tally::default();
    let mut blocks: VecDeque<Block> = VecDeque::new();
    while !shared.stop.load(Ordering::Relaxed) {
        match rng.below(6) {
            0 => {
                if shared.fault == FAULT_LOST_UPDATE && me == 0 {
                    // The planted bug: read, let others run, write back outside the lock.
                    let v = *shared.counter.lock().unwrap();
                    thread::yield_now();
                    *shared.counter.lock().unwrap() = v + 1;
                } else {
                    *shared.counter.lock().unwrap() += 1;
                }
                tally.increments += 1;
            }
            1 => {
                if rng.below(4) == 0 {
                    let mut w = shared.pair.write().unwrap();
                    w.0 += 1;
                    thread::yield_now();
                    w.1 += 1;
                    tally.writes += 1;
                } else {
                    let r = shared.pair.read().unwrap();
                    if r.0 != r.1 {
                        shared.torn_reads.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            2 => {
                if rng.below(2) == 0 {
                    let v = rng.below(1000) + 1;
                    shared.queue.lock().unwrap().push_back(v);
                    shared.queue_ready.notify_one();
                    tally.queued += v;
                } else {
                    let q = shared.queue.lock().unwrap();
                    let (mut q, _) =
                        shared.queue_ready.wait_timeout_while(q, Duration::from_millis(1), |q| q.is_empty()).unwrap();
                    if let Some(v) = q.pop_front() {
                        tally.dequeued += v;
                    }
                }
            }
            3 => {
                let v = rng.below(1000) + 1;
                tx.send(v).unwrap();
                tally.sent += v;
            }
            4 => {
                let n = rng.below(64) + 1;
                let child = thread::Builder::new()
                    .stack_size(64 << 10)
                    .spawn(move || {
                        LOCAL.with_borrow_mut(|l| l.0 += 1);
                        let v: Vec<u64> = (1..=n).collect();
                        v.iter().sum::<u64>()
                    })
                    .unwrap();
                match child.join() {
                    Ok(sum) if sum == n * (n + 1) / 2 => {}
                    Ok(sum) => tally.errors.push(alloc::format!("a child summed 1..={n} to {sum}")),
                    Err(_) => tally.errors.push(alloc::string::String::from("a child panicked")),
                }
                tally.spawned += 1;
            }
            _ => {
                let pattern = (me as u8).wrapping_mul(31) ^ (tally.allocated as u8);
                if blocks.len() == BLOCKS {
                    // Free a random one, after checking nobody wrote over it.
                    let i = rng.below(BLOCKS as u64) as usize;
                    let old = blocks.remove(i).unwrap();
                    if !old.intact() {
                        tally.errors.push(alloc::format!("a heap block of {} bytes was overwritten", old.bytes.len()));
                    }
                }
                let block = Block::new(&mut rng, pattern);
                if shared.fault == FAULT_LEAK && me == 0 && tally.allocated == 0 {
                    core::mem::forget(Block::new(&mut rng, pattern));
                }
                blocks.push_back(block);
                tally.allocated += 1;
            }
        }
        if shared.fault == FAULT_DEADLOCK && me < 2 {
            // The planted bug: two workers take the same two locks in opposite orders.
            let (first, second) =
                if me == 0 { (&shared.lock_a, &shared.lock_b) } else { (&shared.lock_b, &shared.lock_a) };
            let _f = first.lock().unwrap();
            thread::yield_now();
            let _s = second.lock().unwrap();
        }
        tally.ops += 1;
        shared.progress[me].store(tally.ops, Ordering::Relaxed);
    }
    for b in &blocks {
        if !b.intact() {
            tally.errors.push(alloc::format!("a heap block of {} bytes was overwritten", b.bytes.len()));
        }
    }
    tally
}

/// Runs the stress for `seconds` with `threads` workers; see the module documentation.
#[unsafe(no_mangle)]
pub extern "C" fn stress(seconds: i32, threads: i32, fault: i32) -> i32 {
    let threads = usize::try_from(threads).unwrap_or(0).max(2);
    let seconds = u64::try_from(seconds).unwrap_or(0).max(1);
    // The main thread's control block is made on its first use and lives as long as the
    // program: make it now, so that the heap comparison is about the run alone.
    let _ = thread::current();
    let heap_before = crate::live_bytes();
    let pages_before = core::arch::wasm32::memory_size(0);
    // `run` prints its summary; what it returns is empty when all went well, so the heap is
    // compared with nothing of the run still allocated.
    let mut failures = run(Duration::from_secs(seconds), threads, fault);
    let heap_after = crate::live_bytes();
    if heap_after != heap_before {
        failures.push(alloc::format!("leak: the heap held {heap_before} bytes before and {heap_after} after"));
    }
    let (created, dropped) = (LOCALS_CREATED.load(Ordering::Relaxed), LOCALS_DROPPED.load(Ordering::Relaxed));
    if created != dropped {
        failures.push(alloc::format!("thread-locals: {created} created, {dropped} dropped"));
    }
    wthreads::println!(
        "stress: heap {heap_before} -> {heap_after} bytes, memory {pages_before} -> {} pages, {created} thread-locals created, {dropped} dropped",
        core::arch::wasm32::memory_size(0)
    );
    if failures.is_empty() {
        wthreads::println!("stress: every invariant held");
        0
    } else {
        for f in &failures {
            wthreads::println!("stress FAILED: {f}");
        }
        1
    }
}

/// The run itself: prints what it did and returns the failures. Everything it creates is
/// dropped when it returns, so that the caller can compare the heap.
fn run(duration: Duration, threads: usize, fault: i32) -> Vec<alloc::string::String> {
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        fault,
        counter: Mutex::new(0),
        pair: RwLock::new((0, 0)),
        torn_reads: AtomicU64::new(0),
        queue: Mutex::new(VecDeque::new()),
        queue_ready: Condvar::new(),
        lock_a: Mutex::new(()),
        lock_b: Mutex::new(()),
        progress: (0..threads).map(|_| AtomicU64::new(0)).collect(),
    });
    let (tx, rx) = mpsc::channel::<u64>();
    let sink = thread::Builder::new().name("sink".into()).spawn(move || rx.iter().sum::<u64>()).unwrap();
    let workers: Vec<_> = (0..threads)
        .map(|me| {
            let (shared, tx) = (Arc::clone(&shared), tx.clone());
            thread::Builder::new()
                .name(alloc::format!("worker-{me}"))
                .stack_size(256 << 10)
                .spawn(move || worker(me, &shared, tx))
                .unwrap()
        })
        .collect();
    drop(tx);

    // The watchdog: stop at the deadline, and call a worker stuck if its count of finished
    // operations has not moved for STALL.
    let start = Instant::now();
    let mut seen: Vec<(u64, Instant)> = (0..threads).map(|_| (0, start)).collect();
    let mut stuck: Vec<usize> = Vec::new();
    loop {
        thread::sleep(Duration::from_millis(50));
        let now = Instant::now();
        if now.duration_since(start) >= duration {
            shared.stop.store(true, Ordering::Relaxed);
        }
        let running: Vec<usize> = (0..threads).filter(|&i| !workers[i].is_finished()).collect();
        if running.is_empty() {
            break;
        }
        for &i in &running {
            let p = shared.progress[i].load(Ordering::Relaxed);
            if p != seen[i].0 {
                seen[i] = (p, now);
            }
        }
        let stalled = |seen: &[(u64, Instant)], now: Instant| -> Vec<usize> {
            running.iter().copied().filter(|&i| now.duration_since(seen[i].1) >= STALL).collect()
        };
        if !stalled(&seen, now).is_empty() {
            // Threads that stalled together are seen a poll apart: give the others of a
            // deadlock a second to cross the line too, then name every one still stuck.
            thread::sleep(Duration::from_secs(1));
            let now = Instant::now();
            for &i in &running {
                let p = shared.progress[i].load(Ordering::Relaxed);
                if p != seen[i].0 {
                    seen[i] = (p, now);
                }
            }
            stuck = stalled(&seen, now);
            break;
        }
    }
    if !stuck.is_empty() {
        // Stuck threads cannot be joined; report and end the program with the failure (the
        // host ends every thread when the main thread returns).
        let names: Vec<_> = stuck.iter().map(|i| alloc::format!("worker-{i}")).collect();
        wthreads::println!("stress FAILED: deadlock: {} made no progress for {} s", names.join(", "), STALL.as_secs());
        wthreads::println!("stress: stopping; the stuck threads are abandoned");
        return alloc::vec![alloc::string::String::from("deadlock")];
    }

    let mut total = Tally::default();
    let mut failures = Vec::new();
    for w in workers {
        let t = w.join().unwrap();
        total.ops += t.ops;
        total.increments += t.increments;
        total.writes += t.writes;
        total.queued += t.queued;
        total.dequeued += t.dequeued;
        total.sent += t.sent;
        total.spawned += t.spawned;
        total.allocated += t.allocated;
        failures.extend(t.errors);
    }
    let received = sink.join().unwrap();
    let counter = *shared.counter.lock().unwrap();
    if counter != total.increments {
        failures.push(alloc::format!(
            "lost update: the mutex counter is {counter}, the workers added {}",
            total.increments
        ));
    }
    let pair = *shared.pair.read().unwrap();
    if pair != (total.writes, total.writes) {
        failures.push(alloc::format!("rwlock: pair is {pair:?} after {} writes", total.writes));
    }
    let torn = shared.torn_reads.load(Ordering::Relaxed);
    if torn > 0 {
        failures.push(alloc::format!("rwlock: {torn} reads saw a half-done write"));
    }
    let left: u64 = shared.queue.lock().unwrap().iter().sum();
    if total.dequeued + left != total.queued {
        failures.push(alloc::format!("queue: {} put in, {} taken out and {left} left", total.queued, total.dequeued));
    }
    if received != total.sent {
        failures.push(alloc::format!("channel: {} sent, {received} received", total.sent));
    }
    wthreads::println!(
        "stress: {threads} threads for {} s: {} operations ({} increments, {} rwlock writes, {} spawn+join, {} heap blocks, {} queued and {} sent by value)",
        duration.as_secs(),
        total.ops,
        total.increments,
        total.writes,
        total.spawned,
        total.allocated,
        total.queued,
        total.sent
    );
    failures
}
