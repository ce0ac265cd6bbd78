//! A monotonic clock read from the host, like `std::time::Instant`.

use crate::sys;
pub use core::time::Duration;

/// A point on the host's monotonic clock.
///
/// # Examples
/// ```
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
    /// ```
    /// let start = wthreads::time::Instant::now();
    /// ```
    #[must_use]
    pub fn now() -> Instant {
        Instant(sys::clock_ns())
    }

    /// Time since `self`.
    ///
    /// # Examples
    /// ```
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
    /// ```
    /// let a = wthreads::time::Instant::now();
    /// let b = wthreads::time::Instant::now();
    /// assert!(b.duration_since(a) >= core::time::Duration::ZERO);
    /// ```
    #[must_use]
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// # Examples
    /// ```
    /// let a = wthreads::time::Instant::now();
    /// assert!(wthreads::time::Instant::now().checked_duration_since(a).is_some());
    /// ```
    #[must_use]
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.0.checked_sub(earlier.0).map(Duration::from_nanos)
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    ///
    /// # Examples
    /// ```
    /// let a = wthreads::time::Instant::now();
    /// assert_eq!(a.saturating_duration_since(wthreads::time::Instant::now()).as_nanos(), 0);
    /// ```
    #[must_use]
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, or `None` if that is beyond the clock's range.
    ///
    /// # Examples
    /// ```
    /// let a = wthreads::time::Instant::now();
    /// assert!(a.checked_add(core::time::Duration::from_secs(1)).is_some());
    /// ```
    #[must_use]
    pub fn checked_add(&self, d: Duration) -> Option<Instant> {
        u64::try_from(d.as_nanos()).ok().and_then(|n| self.0.checked_add(n)).map(Instant)
    }

    /// `self - d`, or `None` if that is before the clock's start.
    ///
    /// # Examples
    /// ```
    /// let a = wthreads::time::Instant::now();
    /// assert!(a.checked_sub(core::time::Duration::from_secs(1_000_000_000)).is_none());
    /// ```
    #[must_use]
    pub fn checked_sub(&self, d: Duration) -> Option<Instant> {
        u64::try_from(d.as_nanos()).ok().and_then(|n| self.0.checked_sub(n)).map(Instant)
    }

    /// The instant as nanoseconds on the host's clock (the runtime API's unit).
    pub(crate) fn as_ns(self) -> u64 {
        self.0
    }
}

impl core::ops::Add<Duration> for Instant {
    type Output = Instant;
    /// Saturates at the end of the clock's range (std panics there, some 584 years on).
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)))
    }
}

impl core::ops::AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl core::ops::Sub<Duration> for Instant {
    type Output = Instant;
    /// # Panics
    /// If the result would be before the clock's start, as std's.
    fn sub(self, d: Duration) -> Instant {
        self.checked_sub(d).expect("overflow when subtracting duration from instant")
    }
}

impl core::ops::SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, d: Duration) {
        *self = *self - d;
    }
}

impl core::ops::Sub<Instant> for Instant {
    type Output = Duration;
    /// Zero if `other` is later, as std's.
    fn sub(self, other: Instant) -> Duration {
        self.saturating_duration_since(other)
    }
}
