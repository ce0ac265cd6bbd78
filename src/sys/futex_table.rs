//! An emulated futex for the host target: waiters queue in one table under a lock and sleep on
//! a condition variable; `wake` takes waiters of an address out of the table in arrival order.
//!
//! This gives the exact futex contract the primitives are written against (`wait32` returns at
//! once if the word changed, `wake(n)` wakes at most `n` waiters of that address and says how
//! many), which is what Miri and loom need to check them. Under `--cfg loom` the lock and
//! condition variable are loom's, so loom explores every order of waits and wakes; a timed wait
//! then waits like an untimed one (loom has no clock), which models "the timeout never fired".
//! It is built for checking, not speed: one lock for all addresses, and a wake notifies every
//! sleeper, who look for their own ticket.

use crate::atomic::{AtomicU32, Ordering};
use alloc::vec::Vec;
use core::time::Duration;

#[cfg(loom)]
use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
use std::sync::{Condvar, Mutex, MutexGuard};

/// A thread sleeping in `wait32`.
struct Waiter {
    addr: usize,
    ticket: u64,
}

/// The sleepers, in arrival order. A waiter is woken when its entry is removed.
struct Table {
    waiters: Vec<Waiter>,
    next_ticket: u64,
}

#[cfg(not(loom))]
static TABLE: Mutex<Table> = Mutex::new(Table { waiters: Vec::new(), next_ticket: 0 });
#[cfg(not(loom))]
static WOKEN: Condvar = Condvar::new();

#[cfg(loom)]
loom::lazy_static! {
    static ref TABLE: Mutex<Table> = Mutex::new(Table { waiters: Vec::new(), next_ticket: 0 });
    static ref WOKEN: Condvar = Condvar::new();
}

fn lock() -> MutexGuard<'static, Table> {
    // A panic while the table is locked leaves it consistent (no operation spans user code).
    TABLE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Blocks while `*word == expected`, until `wake` picks this waiter or `timeout` elapses.
/// Returns `false` only when the timeout elapsed.
pub(crate) fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> bool {
    let addr = core::ptr::from_ref(word) as usize;
    let mut table = lock();
    // The table lock orders this check before any `wake` that follows the waker's store: the
    // waker changes the word, then locks the table, so either we see the new value or we are
    // in the table when it looks.
    if word.load(Ordering::SeqCst) != expected {
        return true;
    }
    let ticket = table.next_ticket;
    table.next_ticket += 1;
    table.waiters.push(Waiter { addr, ticket });
    #[cfg(not(loom))]
    let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
    #[cfg(loom)]
    let _ = timeout;
    loop {
        if !table.waiters.iter().any(|w| w.ticket == ticket) {
            return true;
        }
        #[cfg(not(loom))]
        if let Some(deadline) = deadline {
            let now = std::time::Instant::now();
            if now >= deadline {
                table.waiters.retain(|w| w.ticket != ticket);
                return false;
            }
            table = WOKEN.wait_timeout(table, deadline - now).unwrap_or_else(std::sync::PoisonError::into_inner).0;
            continue;
        }
        table = WOKEN.wait(table).unwrap_or_else(std::sync::PoisonError::into_inner);
    }
}

/// Wakes up to `count` threads waiting on `word`, oldest first; returns how many it woke.
pub(crate) fn wake(word: &AtomicU32, count: u32) -> u32 {
    let addr = core::ptr::from_ref(word) as usize;
    let mut table = lock();
    let mut woken = 0;
    table.waiters.retain(|w| {
        if w.addr == addr && woken < count {
            woken += 1;
            false
        } else {
            true
        }
    });
    drop(table);
    if woken > 0 {
        WOKEN.notify_all();
    }
    woken
}
