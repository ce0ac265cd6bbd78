//! A monotonic clock read from the host, like `std::time::Instant`.

use crate::sys;
pub use core::time::Duration;

/// A point on the host's monotonic clock.
///
/// # Examples
/// ```no_run
/// let t = wthreads::time::Instant::now();
/// wthreads::thread::sleep(core::time::Duration::from_millis(1));
/// assert!(t.elapsed().as_millis() >= 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The current time.
    ///
    /// # Examples
    /// ```no_run
    /// let start = wthreads::time::Instant::now();
    /// ```
    #[must_use]
    pub fn now() -> Instant {
        Instant(sys::clock_ns())
    }

    /// Time since `self`.
    ///
    /// # Examples
    /// ```no_run
    /// let start = wthreads::time::Instant::now();
    /// let _took = start.elapsed();
    /// ```
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// Time from `earlier` to `self` (zero if `earlier` is later).
    ///
    /// # Examples
    /// ```no_run
    /// let a = wthreads::time::Instant::now();
    /// let b = wthreads::time::Instant::now();
    /// assert!(b.duration_since(a) >= core::time::Duration::ZERO);
    /// ```
    #[must_use]
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl core::ops::Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)))
    }
}
