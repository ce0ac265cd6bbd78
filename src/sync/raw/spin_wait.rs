//! The bounded spin before a futex sleep: a lock held for a short critical section is often
//! free again within a few hundred cycles, which costs less than a sleep and a wake-up.
//!
//! Not on wasm, which has no spin-loop hint (`pause`): there a waiter's reads follow one another
//! with no pause and take the lock's cache line from its holder at every one, and a wait that
//! finds the word changed already returns at once, so the call to the host is the pause. On a
//! contended counter, alternating in one process (docs/benchmarks.md, issue 19), no spin made
//! 10–20% more increments per second than 100 spins, with 2 threads and with 4.

use crate::atomic::{AtomicU32, Ordering};
use spin::relax::{RelaxStrategy, Spin};

/// How many times a waiter looks again before it sleeps. None on wasm (see above), and none
/// under loom: every look is a scheduling point that multiplies the states to explore, and
/// spinning changes no outcome.
const SPINS: u32 = if cfg!(any(loom, target_arch = "wasm32")) { 0 } else { 100 };

/// Reads `word` until `stop` holds for its value or the spins run out (relaxing the core
/// between reads, with spin's `Spin` strategy: the CPU's spin-loop hint); returns the last value.
#[inline]
pub(crate) fn spin_until(word: &AtomicU32, stop: impl Fn(u32) -> bool) -> u32 {
    let mut spins = SPINS;
    loop {
        // Relaxed: a hint; the caller's compare-exchange synchronises.
        let state = word.load(Ordering::Relaxed);
        if stop(state) || spins == 0 {
            return state;
        }
        Spin::relax();
        spins -= 1;
    }
}
