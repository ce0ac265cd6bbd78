//! A point in time to wait until, on the host's monotonic clock: the one helper behind every
//! timed wait (sleep, `park_timeout`, the `Condvar` and channel timeouts), so that a wait
//! interrupted early (a spurious wake-up, a notification for someone else) waits only for what
//! is left.

use crate::sys;
use core::time::Duration;

/// When a wait ends at the latest: `None`, never.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline(Option<u64>);

impl Deadline {
    /// A wait without a timeout.
    pub(crate) const NEVER: Deadline = Deadline(None);

    /// `timeout` from now (a timeout beyond the clock's range is never).
    pub(crate) fn after(timeout: Duration) -> Deadline {
        Deadline(u64::try_from(timeout.as_nanos()).ok().and_then(|t| sys::clock_ns().checked_add(t)))
    }

    /// At `ns` on the host's clock (an `Instant`'s value).
    pub(crate) fn at_ns(ns: u64) -> Deadline {
        Deadline(Some(ns))
    }

    /// What is left to wait: `None` once the deadline has passed, else the timeout to wait
    /// with (`None` inside: no timeout).
    pub(crate) fn left(self) -> Option<Option<Duration>> {
        match self.0 {
            None => Some(None),
            Some(at) => at.checked_sub(sys::clock_ns()).filter(|&ns| ns > 0).map(|ns| Some(Duration::from_nanos(ns))),
        }
    }
}
