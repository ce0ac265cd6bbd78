//! `OnceLock` and `LazyLock` with std's API, over [`Once`].

use super::Once;
use core::cell::UnsafeCell;
use core::fmt;
use core::mem::ManuallyDrop;
use core::ops::Deref;
use core::panic::{RefUnwindSafe, UnwindSafe};

/// A cell written at most once, with the API of `std::sync::OnceLock`.
///
/// If the thread running `get_or_init`'s closure ends by a panic, the cell stays empty and
/// the next caller runs its own closure, as in std.
///
/// # Examples
/// ```
/// use wthreads::sync::OnceLock;
/// static CONFIG: OnceLock<u32> = OnceLock::new();
/// assert_eq!(*CONFIG.get_or_init(|| 42), 42);
/// assert_eq!(CONFIG.set(7), Err(7));
/// ```
pub struct OnceLock<T> {
    once: Once,
    /// `Some` once initialised. An `Option` rather than `MaybeUninit` so that dropping the
    /// value is the field's own drop glue, not a `Drop` impl: a cell may then hold a borrow that
    /// ends before the cell does, as std's may (std says so with the unstable `#[may_dangle]`).
    value: UnsafeCell<Option<T>>,
}

// SAFETY: sharing the cell lets any thread initialise it (needs `T: Send`) and read it
// (needs `T: Sync`); the `Once` orders the write before every read.
unsafe impl<T: Sync + Send> Sync for OnceLock<T> {}
// SAFETY: sending the cell sends the `T`.
unsafe impl<T: Send> Send for OnceLock<T> {}
// std's bounds: a panic during initialisation leaves the cell empty, never half-written.
impl<T: RefUnwindSafe + UnwindSafe> RefUnwindSafe for OnceLock<T> {}

impl<T> OnceLock<T> {
    crate::atomic::const_unless_loom! {
        /// An empty cell.
        ///
        /// # Examples
        /// ```
        /// static CELL: wthreads::sync::OnceLock<u32> = wthreads::sync::OnceLock::new();
        /// assert!(CELL.get().is_none());
        /// ```
        #[must_use]
        pub fn new() -> OnceLock<T> {
            OnceLock { once: Once::new(), value: UnsafeCell::new(None) }
        }
    }

    /// The value, if the cell is initialised.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(wthreads::sync::OnceLock::<u8>::new().get(), None);
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.once.is_completed() {
            // SAFETY: completed means the value was written (ordered before by the `Once`), and
            // it is never written again while shared.
            unsafe { (*self.value.get()).as_ref() }
        } else {
            None
        }
    }

    /// Mutable access to the value, if initialised.
    ///
    /// # Examples
    /// ```
    /// let mut c = wthreads::sync::OnceLock::new();
    /// c.set(1).unwrap();
    /// *c.get_mut().unwrap() += 1;
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        // Exclusive access: the value is there exactly when the `Once` completed.
        self.value.get_mut().as_mut()
    }

    /// Blocks until the cell is initialised (by another thread), then returns the value.
    ///
    /// # Examples
    /// ```
    /// let c = wthreads::sync::OnceLock::new();
    /// c.set(5).unwrap();
    /// assert_eq!(*c.wait(), 5);
    /// ```
    pub fn wait(&self) -> &T {
        self.once.wait_completed();
        match self.get() {
            Some(v) => v,
            None => unreachable!("the Once completed"),
        }
    }

    /// Initialises the cell with `value`.
    ///
    /// # Errors
    /// `Err(value)` if the cell was already initialised.
    ///
    /// # Examples
    /// ```
    /// let c = wthreads::sync::OnceLock::new();
    /// assert_eq!(c.set(1), Ok(()));
    /// assert_eq!(c.set(2), Err(2));
    /// ```
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        self.get_or_init(|| value.take().unwrap_or_else(|| unreachable!()));
        match value {
            None => Ok(()),
            Some(v) => Err(v),
        }
    }

    /// The value, initialised by `f` first if the cell is empty. Several threads may call
    /// this at once: exactly one runs its `f`, the others wait for it.
    ///
    /// # Examples
    /// ```
    /// let c = wthreads::sync::OnceLock::new();
    /// assert_eq!(*c.get_or_init(|| 1), 1);
    /// assert_eq!(*c.get_or_init(|| 2), 1);
    /// ```
    pub fn get_or_init<F>(&self, f: F) -> &T
    where
        F: FnOnce() -> T,
    {
        if let Some(v) = self.get() {
            return v;
        }
        let slot = self.value.get();
        self.once.call_once_force(|_| {
            let value = f();
            // SAFETY: the `Once` lets only this closure write, and nobody reads before it
            // completes.
            unsafe { *slot = Some(value) };
        });
        match self.get() {
            Some(v) => v,
            None => unreachable!("the Once completed"),
        }
    }

    /// The value, initialised by `f` first if the cell is empty; if `f` fails, the cell stays
    /// empty and its error is returned. As `get_or_init`, one thread at a time runs its `f`.
    ///
    /// # Errors
    /// `f`'s error, when this call ran `f` and it failed.
    ///
    /// # Examples
    /// ```
    /// let c = wthreads::sync::OnceLock::new();
    /// assert_eq!(c.get_or_try_init(|| "x".parse::<u32>()).is_err(), true);
    /// assert_eq!(c.get_or_try_init(|| "7".parse::<u32>()), Ok(&7));
    /// ```
    pub fn get_or_try_init<F, E>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Result<T, E>,
    {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        let slot = self.value.get();
        let mut result = Ok(());
        self.once.call_once_force(|state| match f() {
            // SAFETY: the `Once` lets only this closure write, and nobody reads before it
            // completes.
            Ok(value) => unsafe { *slot = Some(value) },
            Err(e) => {
                result = Err(e);
                // Not complete: the next caller tries again (`call_once_force` ignores the
                // poison, which here only means "still empty").
                state.poison();
            }
        });
        result?;
        match self.get() {
            Some(v) => Ok(v),
            None => unreachable!("the Once completed"),
        }
    }

    /// Consumes the cell and returns the value, if initialised.
    ///
    /// # Examples
    /// ```
    /// let c = wthreads::sync::OnceLock::new();
    /// c.set(3).unwrap();
    /// assert_eq!(c.into_inner(), Some(3));
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }

    /// Takes the value out, leaving the cell empty.
    ///
    /// # Examples
    /// ```
    /// let mut c = wthreads::sync::OnceLock::new();
    /// c.set(3).unwrap();
    /// assert_eq!(c.take(), Some(3));
    /// assert_eq!(c.get(), None);
    /// ```
    pub fn take(&mut self) -> Option<T> {
        self.once = Once::new();
        self.value.get_mut().take()
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

impl<T> From<T> for OnceLock<T> {
    fn from(value: T) -> OnceLock<T> {
        let cell = OnceLock::new();
        let _ = cell.set(value);
        cell
    }
}

impl<T: Clone> Clone for OnceLock<T> {
    fn clone(&self) -> OnceLock<T> {
        let cell = OnceLock::new();
        if let Some(v) = self.get() {
            let _ = cell.set(v.clone());
        }
        cell
    }
}

impl<T: PartialEq> PartialEq for OnceLock<T> {
    fn eq(&self, other: &OnceLock<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceLock<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("OnceLock");
        match self.get() {
            Some(v) => d.field(v),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}

/// The initialiser until it ran, then the value.
union Data<T, F> {
    value: ManuallyDrop<T>,
    f: ManuallyDrop<F>,
}

/// A value initialised on first access, with the API of `std::sync::LazyLock`.
///
/// # Examples
/// ```
/// use wthreads::sync::LazyLock;
/// static TABLE: LazyLock<Vec<u32>> = LazyLock::new(|| (0..10).map(|i| i * i).collect());
/// assert_eq!(TABLE[3], 9);
/// ```
pub struct LazyLock<T, F = fn() -> T> {
    once: Once,
    data: UnsafeCell<Data<T, F>>,
}

// SAFETY: the first thread to access it runs `F` (needs `F: Send`) and every thread reads
// the `T` (needs `T: Sync + Send`, as for `OnceLock`); the `Once` orders them.
unsafe impl<T: Sync + Send, F: Send> Sync for LazyLock<T, F> {}
// std's bounds, as for `OnceLock`.
impl<T: RefUnwindSafe + UnwindSafe, F: UnwindSafe> RefUnwindSafe for LazyLock<T, F> {}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    crate::atomic::const_unless_loom! {
        /// A lazy value that `f` will compute on first access.
        ///
        /// # Examples
        /// ```
        /// static LAZY: wthreads::sync::LazyLock<u64> = wthreads::sync::LazyLock::new(|| 6 * 7);
        /// assert_eq!(*LAZY, 42);
        /// ```
        pub fn new(f: F) -> LazyLock<T, F> {
            LazyLock { once: Once::new(), data: UnsafeCell::new(Data { f: ManuallyDrop::new(f) }) }
        }
    }

    /// Computes the value if needed and returns it (same as dereferencing).
    ///
    /// # Panics
    /// If the initialiser panicked on an earlier access (the `LazyLock` is poisoned).
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::LazyLock;
    /// let lazy = LazyLock::new(|| 2 + 2);
    /// assert_eq!(*LazyLock::force(&lazy), 4);
    /// ```
    pub fn force(this: &LazyLock<T, F>) -> &T {
        let data = this.data.get();
        this.once.call_once_force(|state| {
            if state.is_poisoned() {
                // `f` was taken by the run that died: std's words for it.
                panic!("LazyLock instance has previously been poisoned");
            }
            // SAFETY: the `Once` runs this once, before anyone reads `value`: `f` is still
            // there (no earlier run took it: that one would have poisoned the `Once`), and
            // is taken exactly once.
            let f = unsafe { ManuallyDrop::take(&mut (*data).f) };
            let value = f();
            // SAFETY: the `Once` runs this once, before anyone reads `value`, and `f` was taken
            // out of the union just above, so writing the value over it drops nothing.
            unsafe { (*data).value = ManuallyDrop::new(value) };
        });
        // SAFETY: `call_once` returned, so the value was written and is never written again.
        unsafe { &(*data).value }
    }
}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// Computes the value if needed and returns it for changing, through exclusive access.
    ///
    /// # Panics
    /// If the initialiser panicked on an earlier access (the `LazyLock` is poisoned).
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::LazyLock;
    /// let mut lazy = LazyLock::new(|| 1);
    /// *LazyLock::force_mut(&mut lazy) += 1;
    /// assert_eq!(*lazy, 2);
    /// ```
    pub fn force_mut(this: &mut LazyLock<T, F>) -> &mut T {
        LazyLock::force(this);
        // SAFETY: forced, so the union holds the value; `&mut` makes the access exclusive.
        unsafe { &mut this.data.get_mut().value }
    }
}

impl<T, F> LazyLock<T, F> {
    /// The value if it has been computed, without computing it.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::LazyLock;
    /// let lazy = LazyLock::new(|| 3);
    /// assert_eq!(LazyLock::get(&lazy), None);
    /// let _ = *lazy;
    /// assert_eq!(LazyLock::get(&lazy), Some(&3));
    /// ```
    pub fn get(this: &LazyLock<T, F>) -> Option<&T> {
        if this.once.is_completed() {
            // SAFETY: completed means the union holds the value (written before, ordered by the
            // `Once`), which is never written again while shared.
            Some(unsafe { &(*this.data.get()).value })
        } else {
            None
        }
    }

    /// The value for changing if it has been computed, without computing it.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::LazyLock;
    /// let mut lazy = LazyLock::new(|| 3);
    /// assert_eq!(LazyLock::get_mut(&mut lazy), None);
    /// let _ = *lazy;
    /// *LazyLock::get_mut(&mut lazy).unwrap() = 4;
    /// assert_eq!(*lazy, 4);
    /// ```
    pub fn get_mut(this: &mut LazyLock<T, F>) -> Option<&mut T> {
        if this.once.is_completed() {
            // SAFETY: completed means the union holds the value; `&mut` makes it exclusive.
            Some(unsafe { &mut this.data.get_mut().value })
        } else {
            None
        }
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    fn default() -> LazyLock<T> {
        LazyLock::new(T::default)
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("LazyLock");
        if self.once.is_completed() {
            // SAFETY: completed means the union holds the value.
            d.field(unsafe { &*(*self.data.get()).value });
        } else {
            d.field(&format_args!("<uninit>"));
        }
        d.finish()
    }
}

impl<T, F> Drop for LazyLock<T, F> {
    fn drop(&mut self) {
        let data = self.data.get_mut();
        if self.once.is_completed() {
            // SAFETY: completed: the union holds the value, dropped only here.
            unsafe { ManuallyDrop::drop(&mut data.value) };
        } else if !self.once.is_poisoned() {
            // SAFETY: never started: the union still holds `f`. (A poisoned lock's `f` was
            // taken by the run that died.)
            unsafe { ManuallyDrop::drop(&mut data.f) };
        }
    }
}
