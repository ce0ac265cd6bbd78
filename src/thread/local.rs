//! `wthreads::thread_local!`: per-thread values with destructors, on stable and in no_std.
//!
//! Every key gets a small index, assigned on first use; each thread keeps a vector of slots in
//! its control block (which `self_get` reaches: a `global.get` in a patched module). An
//! access is therefore: read the control-block pointer, bounds-check the index, load the slot.
//! O(1), no host call, no lock. The first access on a thread runs the initialiser, boxes the
//! value and registers it for destruction (drop and free) at the end of the thread.

use crate::tcb::locals::{Dtor, Slot, with_slots};
use alloc::boxed::Box;
use core::cell::{Cell, RefCell};
use core::fmt;
use core::sync::atomic::{AtomicU32, Ordering};

/// Declares thread-local statics with the syntax of std's `thread_local!`.
///
/// Each thread sees its own value, created lazily by the initialiser on the thread's first
/// access. Values whose type needs dropping are dropped when their thread ends (also for a
/// detached thread), in reverse order of their initialisation. Values of the main thread are
/// never dropped, as in std on most platforms.
///
/// # Examples
/// ```
/// use core::cell::{Cell, RefCell};
/// use wthreads::thread_local;
///
/// thread_local! {
///     static COUNTER: Cell<u32> = const { Cell::new(0) };
///     static LOG: RefCell<Vec<u32>> = RefCell::new(Vec::new());
/// }
///
/// COUNTER.set(COUNTER.get() + 1);
/// LOG.with_borrow_mut(|log| log.push(COUNTER.get()));
/// wthreads::thread::spawn(|| assert_eq!(COUNTER.get(), 0)).join().unwrap();
/// ```
#[macro_export]
macro_rules! thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block; $($rest:tt)*) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init; $($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init);
        $crate::thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => {
        $(#[$attr])* $vis static $name: $crate::thread::LocalKey<$t> = {
            fn __init() -> $t {
                $init
            }
            $crate::thread::LocalKey::new(__init)
        };
    };
}

/// A thread-local key, declared with [`thread_local!`](crate::thread_local).
///
/// # Examples
/// ```
/// use core::cell::Cell;
/// wthreads::thread_local!(static DEPTH: Cell<u32> = const { Cell::new(0) });
/// DEPTH.set(DEPTH.get() + 1);
/// ```
pub struct LocalKey<T: 'static> {
    /// 0 until the key is first used, then its slot index + 1.
    index: AtomicU32,
    init: fn() -> T,
}

/// The error of [`LocalKey::try_with`] on a thread whose value was already destroyed.
///
/// # Examples
/// ```
/// wthreads::thread_local!(static N: u32 = 1);
/// let r: Result<u32, wthreads::thread::AccessError> = N.try_with(|n| *n);
/// assert_eq!(r, Ok(1));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct AccessError;

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("already destroyed")
    }
}

impl core::error::Error for AccessError {}

static NEXT_INDEX: AtomicU32 = AtomicU32::new(0);

/// # Safety
/// `ptr` came from `Box::<T>::into_raw` and is dropped once.
unsafe fn drop_box<T>(ptr: *mut u8) {
    // SAFETY: per the contract.
    drop(unsafe { Box::from_raw(ptr.cast::<T>()) });
}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    /// Used by [`thread_local!`](crate::thread_local); not a stable API.
    pub const fn new(init: fn() -> T) -> LocalKey<T> {
        LocalKey { index: AtomicU32::new(0), init }
    }

    fn index(&self) -> usize {
        // Relaxed: the index is a plain number; only its uniqueness matters.
        let i = self.index.load(Ordering::Relaxed);
        if i != 0 {
            return i as usize - 1;
        }
        let fresh = NEXT_INDEX.fetch_add(1, Ordering::Relaxed) + 1;
        match self.index.compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => fresh as usize - 1,
            // Another thread assigned one first; the fresh index is just never used.
            Err(i) => i as usize - 1,
        }
    }

    /// A pointer to this thread's value, created from `value` (or the initialiser) if needed.
    fn get_ptr(&'static self, value: Option<T>) -> Result<*const T, AccessError> {
        let index = self.index();
        match with_slots(|s| s.values.get(index).copied()) {
            Some(Slot::Alive(ptr)) => return Ok(ptr.cast()),
            Some(Slot::Destroyed) => return Err(AccessError),
            Some(Slot::Uninit) | None => {}
        }
        // The initialiser is user code: no borrow of the slots is held while it runs.
        let value = value.unwrap_or_else(self.init);
        let ptr = Box::into_raw(Box::new(value)).cast::<u8>();
        let existing = with_slots(|s| {
            if s.values.len() <= index {
                s.values.resize(index + 1, Slot::Uninit);
            }
            match s.values[index] {
                Slot::Uninit => {
                    s.values[index] = Slot::Alive(ptr);
                    // Also for types without drop glue: the box itself must be freed.
                    s.dtors.push(Dtor { index, ptr, drop: drop_box::<T> });
                    None
                }
                // The initialiser itself used this key: keep the value it stored.
                other => Some(other),
            }
        });
        match existing {
            None => Ok(ptr.cast()),
            Some(slot) => {
                // SAFETY: `ptr` is our own box, never published.
                unsafe { drop_box::<T>(ptr) };
                match slot {
                    Slot::Alive(p) => Ok(p.cast()),
                    _ => Err(AccessError),
                }
            }
        }
    }

    /// Runs `f` with a reference to this thread's value, initialising it first if needed.
    ///
    /// # Panics
    /// If the value was already destroyed (an access from another key's destructor), or if
    /// the initialiser panics.
    ///
    /// # Examples
    /// ```
    /// wthreads::thread_local!(static NAME: String = String::from("x"));
    /// NAME.with(|n| assert_eq!(n, "x"));
    /// ```
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(r) => r,
            Err(e) => panic!("cannot access a thread-local value during or after destruction: {e:?}"),
        }
    }

    /// Like [`with`](Self::with), but an error instead of a panic if the value is destroyed.
    ///
    /// # Errors
    /// [`AccessError`] if this thread's value was already destroyed.
    ///
    /// # Examples
    /// ```
    /// wthreads::thread_local!(static N: u32 = 7);
    /// assert_eq!(N.try_with(|n| *n), Ok(7));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let ptr = self.get_ptr(None)?;
        // SAFETY: the value lives until the thread's destructors run, which only this thread
        // does after its main function returned; `f` runs before that.
        Ok(f(unsafe { &*ptr }))
    }

    /// Sets this thread's value, initialising it with `value` (without the initialiser) if
    /// it was not initialised yet. Returns `value` back if it was, for the caller to use.
    fn init_with(&'static self, value: T) -> Option<T> {
        let index = self.index();
        match with_slots(|s| s.values.get(index).copied()) {
            Some(Slot::Alive(_)) => Some(value),
            Some(Slot::Destroyed) => panic!("cannot access a thread-local value during or after destruction"),
            _ => {
                let _ = self.get_ptr(Some(value));
                None
            }
        }
    }
}

impl<T: 'static> LocalKey<Cell<T>> {
    /// Sets this thread's value (without running the initialiser if it is uninitialised).
    ///
    /// # Examples
    /// ```
    /// use core::cell::Cell;
    /// wthreads::thread_local!(static X: Cell<u32> = panic!("not needed"));
    /// X.set(3);
    /// assert_eq!(X.get(), 3);
    /// ```
    pub fn set(&'static self, value: T) {
        if let Some(value) = self.init_with(Cell::new(value)) {
            self.with(|cell| cell.set(value.into_inner()));
        }
    }

    /// A copy of this thread's value.
    ///
    /// # Examples
    /// ```
    /// use core::cell::Cell;
    /// wthreads::thread_local!(static X: Cell<u32> = const { Cell::new(1) });
    /// assert_eq!(X.get(), 1);
    /// ```
    pub fn get(&'static self) -> T
    where
        T: Copy,
    {
        self.with(Cell::get)
    }

    /// Takes this thread's value, leaving `T::default()`.
    ///
    /// # Examples
    /// ```
    /// use core::cell::Cell;
    /// wthreads::thread_local!(static X: Cell<u32> = const { Cell::new(5) });
    /// assert_eq!(X.take(), 5);
    /// assert_eq!(X.get(), 0);
    /// ```
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(Cell::take)
    }

    /// Replaces this thread's value, returning the old one.
    ///
    /// # Examples
    /// ```
    /// use core::cell::Cell;
    /// wthreads::thread_local!(static X: Cell<u32> = const { Cell::new(5) });
    /// assert_eq!(X.replace(6), 5);
    /// ```
    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}

impl<T: 'static> LocalKey<RefCell<T>> {
    /// Runs `f` with a shared borrow of this thread's value.
    ///
    /// # Panics
    /// If the value is mutably borrowed.
    ///
    /// # Examples
    /// ```
    /// use core::cell::RefCell;
    /// wthreads::thread_local!(static V: RefCell<Vec<u8>> = RefCell::new(vec![1]));
    /// V.with_borrow(|v| assert_eq!(v.len(), 1));
    /// ```
    pub fn with_borrow<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        self.with(|cell| f(&cell.borrow()))
    }

    /// Runs `f` with a mutable borrow of this thread's value.
    ///
    /// # Panics
    /// If the value is borrowed.
    ///
    /// # Examples
    /// ```
    /// use core::cell::RefCell;
    /// wthreads::thread_local!(static V: RefCell<Vec<u8>> = RefCell::new(vec![]));
    /// V.with_borrow_mut(|v| v.push(1));
    /// ```
    pub fn with_borrow_mut<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&mut T) -> R,
    {
        self.with(|cell| f(&mut cell.borrow_mut()))
    }

    /// Sets this thread's value (without running the initialiser if it is uninitialised).
    ///
    /// # Panics
    /// If the value is borrowed.
    ///
    /// # Examples
    /// ```
    /// use core::cell::RefCell;
    /// wthreads::thread_local!(static V: RefCell<u8> = RefCell::new(0));
    /// V.set(2);
    /// assert_eq!(V.take(), 2);
    /// ```
    pub fn set(&'static self, value: T) {
        if let Some(value) = self.init_with(RefCell::new(value)) {
            self.with(|cell| *cell.borrow_mut() = value.into_inner());
        }
    }

    /// Takes this thread's value, leaving `T::default()`.
    ///
    /// # Panics
    /// If the value is borrowed.
    ///
    /// # Examples
    /// ```
    /// use core::cell::RefCell;
    /// wthreads::thread_local!(static V: RefCell<Vec<u8>> = RefCell::new(vec![1]));
    /// assert_eq!(V.take(), vec![1]);
    /// ```
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(RefCell::take)
    }

    /// Replaces this thread's value, returning the old one.
    ///
    /// # Panics
    /// If the value is borrowed.
    ///
    /// # Examples
    /// ```
    /// use core::cell::RefCell;
    /// wthreads::thread_local!(static V: RefCell<u8> = RefCell::new(1));
    /// assert_eq!(V.replace(2), 1);
    /// ```
    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}
