//! When a race is told: once its earlier access's thread has recorded past it, or ended; never
//! against a thread whose record the program's end cut off.

use wthreads_trace::judge::Judge;
use wthreads_trace::race::{Race, RaceAccess};

/// A race between an access of `earlier` and one of `later`.
fn race(earlier: i32, later: i32) -> Race {
    let access = |tid| RaceAccess { tid, write: true, atomic: false, addr: 0x100, start: 0x100, len: 4, site: 0 };
    Race { earlier: access(earlier), later: access(later), origin: Default::default() }
}

#[test]
fn a_race_waits_for_its_earlier_thread_to_record_more() {
    let mut judge = Judge::new();
    // Found at thread 3's access, against thread 2's: thread 2 may have released in between.
    assert!(judge.event(3, false, vec![race(2, 3)]).is_empty());
    assert!(judge.event(3, false, Vec::new()).is_empty(), "thread 3's events tell nothing of thread 2");
    // Thread 2 recorded more: its record reaches past the race, which is sure now.
    assert_eq!(judge.event(2, false, Vec::new()), vec![race(2, 3)]);
    assert_eq!(judge.unjudged(), 0);
}

#[test]
fn a_race_against_an_ended_thread_is_told_at_once() {
    let mut judge = Judge::new();
    assert!(judge.event(2, true, Vec::new()).is_empty());
    assert_eq!(judge.event(3, false, vec![race(2, 3)]), vec![race(2, 3)]);
}

#[test]
fn races_against_a_cut_off_thread_stay_unjudged() {
    let mut judge = Judge::new();
    assert!(judge.event(1, false, vec![race(7, 1), race(7, 1)]).is_empty());
    assert!(judge.event(1, true, vec![race(6, 1)]).is_empty());
    assert_eq!(judge.unjudged(), 3);
}
