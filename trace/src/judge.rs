//! When a data race can be told ([`super::race::check`]): a thread's record is a prefix of what
//! it did, written out when its buffer fills, when it blocks and when it ends. A race found at a
//! later access is only sure once the thread of the earlier access has recorded something past
//! it, or its end: until then, a release of that thread in between may just not be written out
//! yet. A thread the program's end cut off never writes out its last events; races against it
//! that its record cannot judge stay unjudged.

use super::race::Race;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// Races waiting for their earlier access's thread to record more.
#[derive(Default)]
pub struct Judge {
    /// Races by the id of their earlier access's thread.
    pending: HashMap<i32, Vec<Race>>,
    /// Threads whose records are whole (they ended).
    ended: HashSet<i32>,
}

impl Judge {
    /// A judge with nothing pending.
    #[must_use]
    pub fn new() -> Judge {
        Judge::default()
    }

    /// Takes in that thread `tid` recorded an event (`ends`: its exit), at which the detector
    /// found `found`; returns the races that can be told now, in the order found.
    pub fn event(&mut self, tid: i32, ends: bool, found: Vec<Race>) -> Vec<Race> {
        if ends {
            self.ended.insert(tid);
        }
        if found.is_empty() && self.pending.is_empty() {
            return Vec::new(); // nearly every event
        }
        // `tid`'s record now reaches past every race that waited for it.
        let mut sure = self.pending.remove(&tid).unwrap_or_default();
        for race in found {
            if self.ended.contains(&race.earlier.tid) {
                sure.push(race);
            } else {
                self.pending.entry(race.earlier.tid).or_default().push(race);
            }
        }
        sure
    }

    /// Whether no race waits to be told: then an event that finds none and ends no thread has
    /// nothing to tell.
    #[must_use]
    pub fn idle(&self) -> bool {
        self.pending.is_empty()
    }

    /// How many races are still waiting (at the end: against threads the end cut off).
    #[must_use]
    pub fn unjudged(&self) -> usize {
        self.pending.values().map(Vec::len).sum()
    }
}
