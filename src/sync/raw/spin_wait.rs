//! The bounded spin before a futex sleep: a lock held for a short critical section is often
//! free again within a few hundred cycles, which costs less than a sleep and a wake-up.

use crate::atomic::{AtomicU32, Ordering};
use spin::relax::{RelaxStrategy, Spin};

/// How many times a waiter looks again before it sleeps. None under loom: every look is a
/// scheduling point that multiplies the states to explore, and spinning changes no outcome.
const SPINS: u32 = if cfg!(loom) { 0 } else { 100 };

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
