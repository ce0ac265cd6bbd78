//! The two regimes of a contended counter, as shares of the samples of each side.
//!
//! Two threads that increment one counter under one lock either hand the lock over all the
//! time (each increment waits for the lock's cache line to move) or one of them keeps it while
//! the other sleeps, and then the increments come about as fast as without contention. A sample
//! is counted as kept when its time per increment is at most twice an uncontended lock + unlock
//! on the same side: lock changes alone cannot go that fast.

use super::{Figure, median};

/// How much slower than uncontended a sample may be and still count as kept by one thread.
const KEPT_WITHIN: f64 = 2.0;

/// One line: the share of `contended`'s samples that one thread kept, native and wasm, where
/// `uncontended` gives each side's time per uncontended lock + unlock.
pub(crate) fn line(contended: &Figure, uncontended: &Figure) -> String {
    let share = |samples: &[f64], unc: &[f64]| {
        let limit = KEPT_WITHIN * median(unc);
        let kept = samples.iter().filter(|&&t| t <= limit).count();
        format!("{:.0}% of {}", 100.0 * kept as f64 / samples.len() as f64, samples.len())
    };
    format!(
        "{}: the lock kept by one thread (≤ {KEPT_WITHIN}× uncontended) in {} native samples, {} wasm",
        contended.name,
        share(&contended.native, &uncontended.native),
        share(&contended.wasm, &uncontended.wasm)
    )
}
