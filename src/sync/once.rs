//! `Once` with std's API, over the futex state machine [`RawOnce`].

pub use super::raw::once::OnceState;
use super::raw::once::RawOnce;
use core::fmt;

/// A one-time initialisation, with the API of `std::sync::Once`.
///
/// If the thread running the closure ends by a panic, the `Once` becomes poisoned: the
/// threads waiting for it wake up (within a few milliseconds) and `call_once` panics, while
/// `call_once_force` runs its closure with [`OnceState::is_poisoned`] true, as in std.
///
/// # Examples
/// ```
/// use wthreads::sync::Once;
/// static INIT: Once = Once::new();
/// INIT.call_once(|| wthreads::println!("runs once"));
/// INIT.call_once(|| unreachable!());
/// assert!(INIT.is_completed());
/// ```
pub struct Once {
    raw: RawOnce,
}

impl Once {
    crate::atomic::const_unless_loom! {
        /// A `Once` whose closure has not run.
        ///
        /// # Examples
        /// ```
        /// static INIT: wthreads::sync::Once = wthreads::sync::Once::new();
        /// ```
        #[must_use]
        pub fn new() -> Once {
            Once { raw: RawOnce::new() }
        }
    }

    /// Runs `f` if no closure of this `Once` completed yet; otherwise waits for the running
    /// one. When this returns, a closure has completed.
    ///
    /// # Panics
    /// If the `Once` is poisoned (an earlier closure panicked).
    ///
    /// # Examples
    /// ```
    /// static O: wthreads::sync::Once = wthreads::sync::Once::new();
    /// O.call_once(|| ());
    /// ```
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        if self.is_completed() {
            return;
        }
        let mut f = Some(f);
        self.raw.call(crate::tcb::current_owner(), false, &mut |_| {
            if let Some(f) = f.take() {
                f();
            }
        });
    }

    /// Like [`call_once`](Self::call_once), but also runs when poisoned; the closure learns
    /// that from its [`OnceState`].
    ///
    /// # Examples
    /// ```
    /// static O: wthreads::sync::Once = wthreads::sync::Once::new();
    /// O.call_once_force(|state| assert!(!state.is_poisoned()));
    /// ```
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        if self.is_completed() {
            return;
        }
        let mut f = Some(f);
        self.raw.call(crate::tcb::current_owner(), true, &mut |state| {
            if let Some(f) = f.take() {
                f(state);
            }
        });
    }

    /// Whether a closure completed. When `true`, its effects are visible to this thread.
    ///
    /// # Examples
    /// ```
    /// assert!(!wthreads::sync::Once::new().is_completed());
    /// ```
    #[inline]
    pub fn is_completed(&self) -> bool {
        self.raw.is_completed()
    }

    /// Blocks until a closure of this `Once` completed.
    ///
    /// # Panics
    /// If the `Once` is or becomes poisoned.
    ///
    /// # Examples
    /// ```
    /// static O: wthreads::sync::Once = wthreads::sync::Once::new();
    /// O.call_once(|| ());
    /// O.wait();
    /// ```
    pub fn wait(&self) {
        self.raw.wait(false);
    }

    /// Like [`wait`](Self::wait), but returns (instead of panicking) when poisoned.
    ///
    /// # Examples
    /// ```
    /// static O: wthreads::sync::Once = wthreads::sync::Once::new();
    /// O.call_once(|| ());
    /// O.wait_force();
    /// ```
    pub fn wait_force(&self) {
        self.raw.wait(true);
    }

    /// Blocks until a closure completed, also through poisoned runs (for `OnceLock::wait`).
    pub(crate) fn wait_completed(&self) {
        self.raw.wait_completed();
    }

    /// Whether the `Once` is poisoned.
    pub(crate) fn is_poisoned(&self) -> bool {
        self.raw.is_poisoned()
    }
}

impl Default for Once {
    fn default() -> Once {
        Once::new()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}
