//! A run's trace taken as it goes ([`Stream`]) comes out in the order the file's reader gives
//! the whole trace, whatever the order its threads' blocks come in, as long as each horizon
//! is true; an event handed over after the horizon passed it is counted as late.

use wthreads::abi;
use wthreads_trace::items::{self, Place};
use wthreads_trace::live::Stream;
use wthreads_trace::raw::{Writer, encode_accesses};
use wthreads_trace::reader::Trace;
use wthreads_trace::{Access, Event, Site};

fn event(seq: u64, kind: i32, a: u32) -> Event {
    Event { seq, ts_ns: seq, kind, a, b: 0, c: 0, site: 0, text: 0 }
}

fn sites() -> Vec<Site> {
    let read = Access { write: false, atomic: false, width: 4, offset: 0, range: false };
    vec![Site { func: 1, name: None, offset: 0, access: Some(read) }]
}

/// Thread 1's and thread 2's blocks: events that alternate in the order, and plain accesses
/// drained when the counter was at an event of the other thread.
fn blocks() -> Vec<(i32, Vec<u8>)> {
    let mut made = Vec::new();
    for (tid, first) in [(1i32, 0u64), (2, 1)] {
        for half in 0..2 {
            let mut items = Vec::new();
            let seq = first + 4 * half;
            event(seq, abi::LOCK_ACQUIRED, 0x10).encode(&mut items);
            let slots: Vec<u8> = [0u32, 0x100 + tid.cast_unsigned()].iter().flat_map(|v| v.to_le_bytes()).collect();
            encode_accesses(seq + 1, seq, &slots, &mut items);
            event(seq + 2, abi::LOCK_RELEASED, 0x10).encode(&mut items);
            made.push((tid, items));
        }
    }
    made
}

/// The whole trace's order, as the file's reader gives it.
fn whole() -> Vec<(i32, Event)> {
    // A file of its own for each call: the tests run at once.
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("live-{}-{n}.wtrace", std::process::id()));
    let mut w = Writer::create(&path).unwrap();
    w.sites(&sites()).unwrap();
    for (tid, items) in blocks() {
        w.thread(tid, &items).unwrap();
    }
    w.finish().unwrap();
    let events = Trace::open(&path).unwrap().merged().collect();
    std::fs::remove_file(&path).unwrap();
    events
}

/// Hands the blocks over in `order` (indices into [`blocks`]), taking what each horizon lets
/// through: the least of the threads' floors ([`items::end`] of the last block each handed
/// over, as the native host keeps them), a thread that handed nothing over yet bounded by the
/// start.
fn live(order: &[usize]) -> (Vec<(i32, Event)>, usize, usize) {
    let blocks = blocks();
    let mut stream = Stream::new();
    stream.sites = sites();
    let (mut out, mut early) = (Vec::new(), 0);
    let mut floors = [Place::read(0); 2];
    for (n, &i) in order.iter().enumerate() {
        let (tid, items) = &blocks[i];
        floors[*tid as usize - 1] = items::end(items).unwrap();
        stream.block(*tid, items.clone());
        let last = n + 1 == order.len();
        let horizon = if last { Place::END } else { floors[0].min(floors[1]) };
        while let Some(e) = stream.next_before(horizon) {
            out.push(e);
            early += usize::from(!last);
        }
    }
    (out, stream.late(), early)
}

#[test]
fn blocks_in_any_order_come_out_in_the_trace_order() {
    let whole = whole();
    assert_eq!(whole.len(), 12);
    // Each thread's blocks stay in their own order; the threads' interleave every way.
    for order in [[0, 1, 2, 3], [0, 2, 1, 3], [2, 3, 0, 1], [2, 0, 3, 1], [0, 2, 3, 1], [2, 0, 1, 3]] {
        let (got, late, early) = live(&order);
        assert_eq!(got, whole, "order {order:?}");
        assert_eq!(late, 0, "order {order:?}");
        // Once both threads handed a block over, the events before both blocks' ends came out.
        assert!(early >= 4, "order {order:?}: {early} events before the end");
    }
}

#[test]
fn a_block_handed_over_after_the_horizon_passed_it_is_late() {
    let blocks = blocks();
    let mut stream = Stream::new();
    stream.sites = sites();
    stream.block(1, blocks[0].1.clone());
    stream.block(1, blocks[1].1.clone());
    // A false horizon: thread 2 had handed nothing over.
    while stream.next_before(Place::END).is_some() {}
    assert_eq!(stream.late(), 0);
    stream.block(2, blocks[2].1.clone());
    while stream.next_before(Place::END).is_some() {}
    assert!(stream.late() > 0);
}

#[test]
fn a_blocks_end_bounds_what_its_thread_hands_over_next() {
    let (_, items) = &blocks()[0];
    // The block's last item is the release, which took seq 2.
    assert_eq!(items::end(items), Some(Place::taken(2)));
    assert!(Place::taken(2) < Place::read(3));
    let mut accesses = Vec::new();
    encode_accesses(7, 0, &[0; 8], &mut accesses);
    assert_eq!(items::end(&accesses), Some(Place::read(7)));
    assert_eq!(items::end(&[]), None);
}

/// `each_before` hands its callback the events `next_before` returns, in the same order, with
/// the location table; it stops at the callback's first error, that event taken.
#[test]
fn each_before_hands_over_in_place_what_next_before_returns() {
    let fed = || {
        let mut stream = Stream::new();
        stream.sites = sites();
        for (tid, items) in blocks() {
            stream.block(tid, items);
        }
        stream
    };
    let mut by_next = fed();
    let mut expected = Vec::new();
    while let Some(e) = by_next.next_before(Place::END) {
        expected.push(e);
    }
    assert_eq!(expected, whole());
    let mut got = Vec::new();
    let handed = fed().each_before(Place::END, |tid, e, table, text| {
        assert_eq!(table, sites().as_slice());
        assert_eq!(text, None);
        got.push((tid, *e));
        Ok::<(), ()>(())
    });
    assert_eq!(handed, Ok(()));
    assert_eq!(got, expected);
    let mut stopped = fed();
    let mut seen = 0;
    let failed = stopped.each_before(Place::END, |_, _, _, _| {
        seen += 1;
        if seen == 3 { Err("cannot write") } else { Ok(()) }
    });
    assert_eq!((failed, seen), (Err("cannot write"), 3));
    assert_eq!(stopped.next_before(Place::END), Some(expected[3]));
}
