//! The race detector's rules on events written by hand: what is a race and what is not.

use wthreads::abi;
use wthreads_trace::Event;
use wthreads_trace::race::{Detector, Race};

/// Sites of the hand-written traces: (write, atomic) by site number.
const READ: u32 = 0;
const WRITE: u32 = 1;
const ATOMIC_READ: u32 = 2;
const ATOMIC_WRITE: u32 = 3;

fn access(site: u32) -> Option<(bool, bool)> {
    Some((site == WRITE || site == ATOMIC_WRITE, site >= ATOMIC_READ))
}

fn event(kind: i32, a: u32, b: u32, site: u32) -> Event {
    Event { seq: 0, ts_ns: 0, kind, a, b, c: 0, site, text: 0 }
}

/// `(thread, kind, a, b, site)` in order; returns the races found.
fn run(events: &[(i32, i32, u32, u32, u32)]) -> Vec<Race> {
    let mut d = Detector::new();
    events.iter().flat_map(|&(tid, kind, a, b, site)| d.event(tid, &event(kind, a, b, site), access)).collect()
}

const MEM: i32 = abi::MEMORY_ACCESS;
const ATOMIC: i32 = abi::MEMORY_ATOMIC;

/// Threads 2 and 3, both spawned by 1 before either accessed anything.
fn spawned() -> Vec<(i32, i32, u32, u32, u32)> {
    vec![
        (1, abi::THREAD_SPAWN, 2, 0, 0),
        (1, abi::THREAD_SPAWN, 3, 0, 0),
        (2, abi::THREAD_START, 1, 0, 0),
        (3, abi::THREAD_START, 1, 0, 0),
    ]
}

#[test]
fn unordered_write_and_read_race_once_with_both_sides() {
    let mut t = spawned();
    t.extend([(2, MEM, 0x100, 4, WRITE), (3, MEM, 0x102, 2, READ), (3, MEM, 0x100, 4, READ)]);
    let races = run(&t);
    assert_eq!(races.len(), 1, "{races:?}");
    let r = races[0];
    assert_eq!((r.earlier.tid, r.earlier.write, r.earlier.start, r.earlier.len), (2, true, 0x100, 4));
    assert_eq!((r.later.tid, r.later.write, r.later.start, r.later.len, r.later.addr), (3, false, 0x102, 2, 0x102));
}

#[test]
fn neighbouring_bytes_do_not_race() {
    let mut t = spawned();
    t.extend([(2, MEM, 0x100, 2, WRITE), (3, MEM, 0x102, 2, WRITE), (3, MEM, 0x102, 1, READ)]);
    assert!(run(&t).is_empty());
}

#[test]
fn a_lock_orders_its_holders() {
    let mut t = spawned();
    t.extend([
        (2, abi::LOCK_ACQUIRED, 0x50, 0, 0),
        (2, MEM, 0x100, 4, WRITE),
        (2, abi::LOCK_RELEASED, 0x50, 0, 0),
        (3, abi::LOCK_ACQUIRED, 0x50, 0, 0),
        (3, MEM, 0x100, 4, WRITE),
        (3, abi::LOCK_RELEASED, 0x50, 0, 0),
    ]);
    assert!(run(&t).is_empty());
    // Another lock orders nothing.
    t[7].2 = 0x60;
    assert_eq!(run(&t).len(), 1);
}

#[test]
fn an_atomic_store_read_by_a_load_publishes() {
    let mut t = spawned();
    t.extend([
        (2, MEM, 0x100, 8, WRITE),
        (2, ATOMIC, 0x200, 4, ATOMIC_WRITE),
        (3, ATOMIC, 0x200, 4, ATOMIC_READ),
        (3, MEM, 0x100, 8, READ),
    ]);
    assert!(run(&t).is_empty());
    // Read before the publication: a race, once.
    let early = [t[..4].to_vec(), vec![(3, MEM, 0x100, 8, READ)], t[4..].to_vec()].concat();
    let races = run(&early);
    assert_eq!(races.len(), 1, "{races:?}");
}

#[test]
fn atomics_do_not_race_with_atomics_but_with_plain_accesses() {
    let mut t = spawned();
    t.extend([
        (2, ATOMIC, 0x200, 4, ATOMIC_WRITE),
        (3, ATOMIC, 0x300, 4, ATOMIC_WRITE),
        (3, ATOMIC, 0x200, 4, ATOMIC_WRITE),
    ]);
    assert!(run(&t).is_empty());
    let mut mixed = spawned();
    mixed.extend([(2, ATOMIC, 0x200, 4, ATOMIC_WRITE), (3, MEM, 0x200, 4, WRITE)]);
    // Thread 3's plain write does not acquire from the atomic: unordered.
    assert_eq!(run(&mixed).len(), 1);
}

#[test]
fn spawn_and_join_order_parent_and_child() {
    let t = vec![
        (1, MEM, 0x100, 4, WRITE),
        (1, abi::THREAD_SPAWN, 2, 0, 0),
        (2, abi::THREAD_START, 1, 0, 0),
        (2, MEM, 0x100, 4, WRITE),
        (2, abi::THREAD_EXIT, 0, 0, 0),
        (1, abi::THREAD_JOIN, 2, 0, 0),
        (1, MEM, 0x100, 4, READ),
    ];
    assert!(run(&t).is_empty());
    // Without the join, the parent's read races with the child's write.
    let unjoined: Vec<_> = t.iter().copied().filter(|e| e.1 != abi::THREAD_JOIN).collect();
    assert_eq!(run(&unjoined).len(), 1);
}

/// A detached thread is never joined: the runtime reclaims its memory once an atomic read of
/// its exit word sees the host's 1, which the exit event's second argument names.
#[test]
fn reading_a_detached_threads_exit_word_orders_its_run() {
    let t = vec![
        (1, abi::THREAD_SPAWN, 2, 0, 0),
        (2, abi::THREAD_START, 1, 0, 0),
        (2, MEM, 0x100, 4, WRITE),
        (2, abi::THREAD_EXIT, 0, 0x300, 0),
        (1, ATOMIC, 0x300, 4, ATOMIC_READ),
        (1, MEM, 0x100, 4, WRITE),
    ];
    assert!(run(&t).is_empty());
    // Another word orders nothing.
    let other: Vec<_> = t
        .iter()
        .map(|&(tid, k, a, b, s)| if k == ATOMIC { (tid, k, 0x400, b, s) } else { (tid, k, a, b, s) })
        .collect();
    assert_eq!(run(&other).len(), 1);
}

#[test]
fn concurrent_reads_are_all_checked_by_a_write() {
    // Threads 2 and 3 read unordered; thread 2 then takes a lock thread 4 releases later, so
    // thread 4's write is ordered after 2's read but not after 3's: a race with 3's read.
    let mut t = spawned();
    t.extend([
        (1, abi::THREAD_SPAWN, 4, 0, 0),
        (4, abi::THREAD_START, 1, 0, 0),
        (2, MEM, 0x100, 4, READ),
        (3, MEM, 0x100, 4, READ),
        (2, abi::LOCK_RELEASED, 0x50, 0, 0),
        (4, abi::LOCK_ACQUIRED, 0x50, 0, 0),
        (4, MEM, 0x100, 4, WRITE),
    ]);
    let races = run(&t);
    assert_eq!(races.len(), 1, "{races:?}");
    assert_eq!((races[0].earlier.tid, races[0].later.tid), (3, 4));
}

/// Threads spawned and joined one after another share one slot of the clocks, and a thread in a
/// reused slot is still ordered after what the slot's last thread did, and unordered with a
/// thread that runs beside it.
#[test]
fn slots_of_joined_threads_are_reused_soundly() {
    let mut d = Detector::new();
    let mut feed = |tid: i32, kind: i32, a: u32, b: u32, site: u32| d.event(tid, &event(kind, a, b, site), access);
    let mut races = Vec::new();
    for child in 2..1_002 {
        races.extend(feed(1, abi::THREAD_SPAWN, child as u32, 0, 0));
        races.extend(feed(child, abi::THREAD_START, 1, 0, 0));
        // Each child writes what the one before it wrote: ordered through the joins.
        races.extend(feed(child, MEM, 0x100, 4, WRITE));
        races.extend(feed(child, abi::THREAD_EXIT, 0, 0, 0));
        races.extend(feed(1, abi::THREAD_JOIN, child as u32, 0, 0));
    }
    assert!(races.is_empty(), "{races:?}");
    // A thread that is never joined keeps its slot; the next spawn gets a new one, and races.
    races.extend(feed(1, abi::THREAD_SPAWN, 2_000, 0, 0));
    races.extend(feed(2_000, abi::THREAD_START, 1, 0, 0));
    races.extend(feed(2_000, MEM, 0x200, 4, WRITE));
    races.extend(feed(2_000, abi::THREAD_EXIT, 0, 0, 0));
    races.extend(feed(1, abi::THREAD_SPAWN, 2_001, 0, 0));
    races.extend(feed(2_001, abi::THREAD_START, 1, 0, 0));
    races.extend(feed(2_001, MEM, 0x200, 4, READ));
    assert_eq!(races.len(), 1, "{races:?}");
    assert_eq!((races[0].earlier.tid, races[0].later.tid), (2_000, 2_001));
    assert_eq!(d.slots(), 3, "main, the joined threads' slot, and the unjoined thread's");
}

/// Two threads drop an `Arc` at once: each read-modify-write is recorded as its write side, then
/// its read side, and the two interleave in the trace. The thread whose decrement came last frees
/// the block: its plain write is ordered after the other's whole decrement, read side included.
#[test]
fn a_read_modify_writes_read_side_is_ordered_with_its_write_side() {
    let mut t = spawned();
    t.extend([
        (2, ATOMIC, 0x100, 4, ATOMIC_WRITE),
        (3, ATOMIC, 0x100, 4, ATOMIC_WRITE),
        (2, ATOMIC, 0x100, 4, ATOMIC_READ),
        (3, ATOMIC, 0x100, 4, ATOMIC_READ),
        (3, MEM, 0x100, 4, WRITE),
    ]);
    assert!(run(&t).is_empty(), "{:?}", run(&t));
    // The read side takes the order counter after the access: the other thread's last decrement
    // and free may come between the two sides in the trace, and do not race with the read side.
    let late = [
        (2, ATOMIC, 0x100, 4, ATOMIC_WRITE),
        (3, ATOMIC, 0x100, 4, ATOMIC_WRITE),
        (3, ATOMIC, 0x100, 4, ATOMIC_READ),
        (3, MEM, 0x100, 4, WRITE),
        (2, ATOMIC, 0x100, 4, ATOMIC_READ),
    ];
    let mut u = spawned();
    u.extend(late);
    assert!(run(&u).is_empty(), "{:?}", run(&u));
    // A load of another word is no read side: it races with the plain write.
    t[6].2 = 0x104;
    t.push((2, ATOMIC, 0x104, 4, ATOMIC_READ));
    t.push((3, MEM, 0x104, 4, WRITE));
    assert_eq!(run(&t).len(), 1);
}
