//! What `wthreads check` finds in a trace (docs/check.md): its data races ([`super::race`]),
//! reported as they are found, then its lock-order inversions ([`super::lockorder`]); of a run
//! as it goes ([`super::live`]) or of a recorded trace.

use super::items::Place;
use super::live::Stream;
use super::lockorder::Graph;
use super::race::Races;
use super::reader::Trace;
use super::{Event, Site};
use std::io::{self, Write};

/// How many of each finding a check reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Findings {
    /// Data races.
    pub races: usize,
    /// Lock-order inversions.
    pub inversions: usize,
}

impl Findings {
    /// What was reported, as `wthreads check` sums it up ("2 data races and 1 lock-order
    /// inversion reported"), or `None` if nothing was.
    #[must_use]
    pub fn summary(&self) -> Option<String> {
        let count = |n: usize, what: &str| match n {
            0 => None,
            1 => Some(format!("1 {what}")),
            n => Some(format!("{n} {what}s")),
        };
        let parts: Vec<String> = [count(self.races, "data race"), count(self.inversions, "lock-order inversion")]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| format!("{} reported", parts.join(" and ")))
    }
}

/// A check fed a trace's events in order, as a run makes them or from a file: data races are
/// reported as they are judged, lock-order inversions at the end (they are potential
/// deadlocks, found in the whole run's graph).
#[derive(Default)]
pub struct Checker {
    races: Races,
    locks: Graph,
}

impl Checker {
    /// Nothing seen yet.
    #[must_use]
    pub fn new() -> Checker {
        Checker::default()
    }

    /// Takes in event `e` of thread `tid` (its text, if it has one, is `text`), writing the
    /// reports of the races it lets be told to `out`.
    ///
    /// # Errors
    /// If `out` cannot be written.
    pub fn event(
        &mut self,
        tid: i32,
        e: &Event,
        sites: &[Site],
        text: Option<&str>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.races.event(tid, e, sites, text, out)?;
        self.locks.event(tid, e.kind, e.a, e.site);
        Ok(())
    }

    /// Ends the check after the last event: writes what only the whole run shows (the note of
    /// races left unjudged, the lock-order inversions) and sums up what was reported.
    ///
    /// # Errors
    /// If `out` cannot be written.
    pub fn finish(self, sites: &[Site], out: &mut dyn Write) -> io::Result<Findings> {
        let races = self.races.finish(out)?.len();
        let inversions = self.locks.inversions();
        for inv in &inversions {
            super::lockorder::report(inv, sites, out)?;
        }
        Ok(Findings { races, inversions: inversions.len() })
    }
}

/// The check of a run that is still going: what the run handed over ([`Stream`]), checked up to
/// each horizon the host gives.
#[derive(Default)]
pub struct Ongoing {
    /// What the run handed over.
    pub stream: Stream,
    checker: Checker,
}

impl Ongoing {
    /// Nothing handed over yet.
    #[must_use]
    pub fn new() -> Ongoing {
        Ongoing::default()
    }

    /// Checks the events handed over that come before `horizon` (which no event handed over
    /// later may come before), writing the reports of the races found to `out`.
    ///
    /// # Errors
    /// If `out` cannot be written.
    pub fn advance(&mut self, horizon: Place, out: &mut dyn Write) -> io::Result<()> {
        let checker = &mut self.checker;
        self.stream.each_before(horizon, |tid, e, sites, text| checker.event(tid, e, sites, text, out))
    }

    /// Ends the check once the run ended and everything was handed over ([`Checker::finish`]).
    ///
    /// # Errors
    /// If `out` cannot be written, or events came in after the check had passed their place
    /// (a horizon that was not true: the findings cannot be trusted).
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<Findings> {
        self.advance(Place::END, out)?;
        if self.stream.late() > 0 {
            return Err(io::Error::other(format!(
                "{} events came in after the analysis had passed their place in the run's order \
                 (a wthreads bug: please report it)",
                self.stream.late()
            )));
        }
        self.checker.finish(&self.stream.sites, out)
    }
}

/// Checks `trace`, writing each finding's report to `out`.
///
/// # Errors
/// If `out` cannot be written.
pub fn check(trace: &Trace, out: &mut dyn Write) -> io::Result<Findings> {
    let mut checker = Checker::new();
    for (tid, e) in trace.merged() {
        checker.event(tid, &e, &trace.sites, trace.text(e.text), out)?;
    }
    checker.finish(&trace.sites, out)
}
