//! What `wthreads check` finds in a trace (docs/check.md): its data races ([`super::race`]),
//! reported as they are found, then its lock-order inversions ([`super::lockorder`]).

use super::reader::Trace;
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

/// Checks `trace`, writing each finding's report to `out`.
///
/// # Errors
/// If `out` cannot be written.
pub fn check(trace: &Trace, out: &mut dyn Write) -> io::Result<Findings> {
    let races = super::race::check(trace, out)?.len();
    let inversions = super::lockorder::check(trace, out)?.len();
    Ok(Findings { races, inversions })
}
