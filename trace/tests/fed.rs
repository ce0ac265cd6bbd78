//! What a check fed only the trace's chunks ([`Fed`], the web runtime's) learns of the run's
//! threads ([`Threads`]): which ones may still hand over items, and the horizon they allow.

use wthreads::abi;
use wthreads_trace::Event;
use wthreads_trace::fed::{Fed, Threads};
use wthreads_trace::items::Place;
use wthreads_trace::raw::{self, encode_accesses};

fn items(events: &[(u64, i32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(seq, kind, a) in events {
        Event { seq, ts_ns: seq, kind, a, b: 0, c: 0, site: 0, text: 0 }.encode(&mut out);
    }
    out
}

const MAIN: i32 = abi::MAIN_THREAD_ID;

#[test]
fn the_main_thread_bounds_the_horizon_until_its_first_block() {
    let mut threads = Threads::new();
    assert_eq!(threads.horizon(10, &[], &[]), Place::read(0));
    assert!(!threads.block(MAIN, &items(&[(0, abi::THREAD_START, 0), (3, abi::LOCK_ACQUIRED, 0x10)])));
    assert_eq!(threads.horizon(10, &[], &[]), Place::taken(3));
    // Never past the counter read before the threads were looked at.
    assert_eq!(threads.horizon(2, &[], &[]), Place::read(2));
    // A thread that blocks with everything fed takes no place before the counter.
    assert_eq!(threads.horizon(10, &[MAIN], &[]), Place::read(10));
}

#[test]
fn a_spawned_thread_bounds_the_horizon_from_its_spawn_until_it_ends() {
    let mut threads = Threads::new();
    threads.block(MAIN, &items(&[(0, abi::THREAD_START, 0), (4, abi::THREAD_SPAWN, 2), (6, abi::THREAD_JOIN, 2)]));
    // Thread 2 handed over nothing yet: its first items come after its spawn.
    assert_eq!(threads.horizon(10, &[MAIN], &[]), Place::taken(4));
    assert!(!threads.block(2, &items(&[(5, abi::THREAD_START, 1)])));
    assert_eq!(threads.horizon(10, &[MAIN], &[]), Place::taken(5));
    // Accesses drained when the counter was at 7: its next items come at or after that.
    let mut accesses = Vec::new();
    encode_accesses(7, 0, &[0; 8], &mut accesses);
    threads.block(2, &accesses);
    assert_eq!(threads.horizon(10, &[MAIN], &[]), Place::read(7));
    assert!(threads.block(2, &items(&[(8, abi::THREAD_EXIT, 0)])));
    assert_eq!(threads.horizon(10, &[MAIN], &[]), Place::read(10));
}

#[test]
fn a_thread_that_runs_again_bounds_the_horizon_from_where_it_took_up() {
    let mut threads = Threads::new();
    threads.block(MAIN, &items(&[(0, abi::THREAD_START, 0), (3, abi::THREAD_JOIN, 2)]));
    // It blocked at its join, and woke when the counter was at 9: its next items come after.
    assert_eq!(threads.horizon(10, &[], &[]), Place::taken(3));
    assert_eq!(threads.horizon(10, &[], &[(MAIN, 9)]), Place::read(9));
    // A bound behind what its own items show does not lower it.
    assert_eq!(threads.horizon(10, &[], &[(MAIN, 1)]), Place::taken(3));
}

#[test]
fn a_thread_that_ended_before_its_spawn_was_fed_stays_ended() {
    let mut threads = Threads::new();
    // The child's chunks came first (they come from another worker).
    assert!(threads.block(2, &items(&[(2, abi::THREAD_START, 1), (3, abi::THREAD_EXIT, 0)])));
    threads.block(MAIN, &items(&[(0, abi::THREAD_START, 0), (1, abi::THREAD_SPAWN, 2)]));
    assert_eq!(threads.horizon(10, &[MAIN], &[]), Place::read(10));
}

/// The raw chunks of a trace as a recorder writes them.
fn chunk(tag: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = tag.to_le_bytes().to_vec();
    out.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn a_check_is_fed_whole_chunks_and_refuses_anything_else() {
    let mut fed = Fed::new();
    let mut bytes = raw::MAGIC.to_vec();
    bytes.extend(raw::sites_chunk(&[]).unwrap());
    let mut thread = MAIN.to_le_bytes().to_vec();
    thread.extend(items(&[(0, abi::THREAD_START, 0), (1, abi::THREAD_EXIT, 0)]));
    bytes.extend(chunk(raw::THREAD, &thread));
    fed.feed(&bytes).unwrap();
    let mut out = Vec::new();
    fed.advance(2, &[], &[], &mut out).unwrap();
    let findings = fed.finish(&mut out).unwrap();
    assert_eq!(findings.summary(), None, "{}", String::from_utf8_lossy(&out));

    let cut = chunk(raw::THREAD, &thread);
    let err = Fed::new().feed(&cut[..cut.len() - 1]).unwrap_err();
    assert!(err.to_string().contains("a chunk cut short"), "{err}");
    let err = Fed::new().feed(&chunk(99, &[])).unwrap_err();
    assert!(err.to_string().contains("chunk 99 of 0 bytes"), "{err}");
}
