//! The lock-order graph's rules on events written by hand: which cycles are inversions.

use wthreads::abi;
use wthreads_trace::lockorder::Graph;

const ACQ: i32 = abi::LOCK_ACQUIRED;
const REL: i32 = abi::LOCK_RELEASED;

/// `(thread, kind, lock)` in order; returns the cycles reported.
fn cycles(events: &[(i32, i32, u32)]) -> Vec<Vec<u32>> {
    let mut g = Graph::new();
    for (i, &(tid, kind, lock)) in events.iter().enumerate() {
        g.event(tid, kind, lock, u32::try_from(i).unwrap());
    }
    g.inversions().into_iter().map(|inv| inv.cycle).collect()
}

/// Thread `t` takes `first` then `second`, then releases both.
fn nested(t: i32, first: u32, second: u32) -> Vec<(i32, i32, u32)> {
    vec![(t, ACQ, first), (t, ACQ, second), (t, REL, second), (t, REL, first)]
}

#[test]
fn two_threads_taking_two_locks_in_opposite_orders() {
    let t = [nested(2, 0x20, 0x10), nested(3, 0x10, 0x20)].concat();
    assert_eq!(cycles(&t), vec![vec![0x10, 0x20]]);
    let mut g = Graph::new();
    for (i, &(tid, kind, lock)) in t.iter().enumerate() {
        g.event(tid, kind, lock, u32::try_from(i).unwrap());
    }
    let inv = &g.inversions()[0];
    // Edge 0x10 → 0x20 by thread 3 (sites 5 and 6), then 0x20 → 0x10 by thread 2 (0 and 1).
    assert_eq!((inv.edges[0].tid, inv.edges[0].held_site, inv.edges[0].site), (3, 4, 5));
    assert_eq!((inv.edges[1].tid, inv.edges[1].held_site, inv.edges[1].site), (2, 0, 1));
}

#[test]
fn the_same_order_everywhere_is_no_inversion() {
    assert!(cycles(&[nested(2, 0x10, 0x20), nested(3, 0x10, 0x20)].concat()).is_empty());
}

#[test]
fn one_thread_alone_is_no_inversion() {
    assert!(cycles(&[nested(2, 0x10, 0x20), nested(2, 0x20, 0x10)].concat()).is_empty());
}

#[test]
fn a_common_gate_lock_keeps_the_orders_apart() {
    let gated = |t, a, b| [vec![(t, ACQ, 0x99)], nested(t, a, b), vec![(t, REL, 0x99)]].concat();
    assert!(cycles(&[gated(2, 0x10, 0x20), gated(3, 0x20, 0x10)].concat()).is_empty());
    // A gate only one of them takes does not.
    assert_eq!(cycles(&[gated(2, 0x10, 0x20), nested(3, 0x20, 0x10)].concat()).len(), 1);
}

#[test]
fn three_locks_in_a_ring() {
    let t = [nested(2, 0x10, 0x20), nested(3, 0x20, 0x30), nested(4, 0x30, 0x10)].concat();
    assert_eq!(cycles(&t), vec![vec![0x10, 0x20, 0x30]]);
}

#[test]
fn the_runtimes_own_locks_are_left_out() {
    let internal = |t, a, b| {
        let k = abi::LOCK_INTERNAL;
        vec![(t, ACQ | k, a), (t, ACQ | k, b), (t, REL | k, b), (t, REL | k, a)]
    };
    assert!(cycles(&[internal(2, 0x10, 0x20), internal(3, 0x20, 0x10)].concat()).is_empty());
}
