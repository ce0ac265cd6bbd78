//! Scoped threads: `scope`, `Scope::spawn`, `ScopedJoinHandle`, `Builder::spawn_scoped`.

use super::{Builder, JoinHandle, Result, Thread};
use crate::io;
use crate::sync::{Arc, Mutex, PoisonError};
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

/// A thread's join handle, shared by its [`ScopedJoinHandle`] and the scope; whoever joins
/// first takes it.
type Shared<T> = Mutex<Option<JoinHandle<T>>>;

/// What the scope needs of a scoped thread it may have to join itself.
trait Join {
    /// Joins the thread unless its handle already did; returns whether it ended in a panic.
    fn join_if_needed(&self) -> bool;
}

impl<T> Join for Shared<T> {
    fn join_if_needed(&self) -> bool {
        let handle = self.lock().unwrap_or_else(PoisonError::into_inner).take();
        handle.is_some_and(|h| h.join().is_err())
    }
}

/// A scope in which threads borrowing local data can be spawned; see [`scope`].
///
/// # Examples
/// ```
/// let mut v = vec![1, 2, 3];
/// wthreads::thread::scope(|s: &wthreads::thread::Scope<'_, '_>| {
///     s.spawn(|| v.push(4));
/// });
/// assert_eq!(v.len(), 4);
/// ```
pub struct Scope<'scope, 'env: 'scope> {
    /// The threads to join at the end. Their lifetime `'scope` is erased (see `spawn_scoped`)
    /// so that dropping the scope does not need `'scope` to outlive it.
    threads: Mutex<Vec<Arc<dyn Join + Send + Sync>>>,
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

/// An owned permission to join a scoped thread. Dropping it does not detach the thread: the
/// scope still joins it at its end.
///
/// # Examples
/// ```
/// let x = 5;
/// let y = wthreads::thread::scope(|s| s.spawn(|| x * 2).join().unwrap());
/// assert_eq!(y, 10);
/// ```
pub struct ScopedJoinHandle<'scope, T> {
    shared: Arc<Shared<T>>,
    thread: Thread,
    scope: PhantomData<&'scope ()>,
}

/// Creates a scope for spawning threads that borrow non-`'static` data.
///
/// Every thread spawned in the scope is joined before `scope` returns. If one of them
/// panicked and was not joined through its handle, `scope` panics after joining them all,
/// as std does.
///
/// # Panics
/// If a scoped thread panicked and its [`ScopedJoinHandle`] was not joined.
///
/// # Examples
/// ```
/// use wthreads::thread;
///
/// let data = vec![1u64, 2, 3, 4, 5, 6];
/// let sum: u64 = thread::scope(|s| {
///     let halves: Vec<_> = data.chunks(3).map(|c| s.spawn(move || c.iter().sum::<u64>())).collect();
///     halves.into_iter().map(|h| h.join().unwrap()).sum()
/// });
/// assert_eq!(sum, 21);
/// ```
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let scope = Scope { threads: Mutex::new(Vec::new()), scope: PhantomData, env: PhantomData };
    let result = {
        // Where panics unwind (the host target), `f` may unwind: its threads borrow what `scope`
        // returns to, so they are joined on the way out too, as std does.
        let on_unwind = JoinOnDrop(&scope);
        let result = f(&scope);
        core::mem::forget(on_unwind);
        result
    };
    if scope.join_all() {
        panic!("a scoped thread panicked");
    }
    result
}

/// Joins every thread of a scope when dropped (while its closure unwinds).
struct JoinOnDrop<'a, 'scope, 'env>(&'a Scope<'scope, 'env>);

impl Drop for JoinOnDrop<'_, '_, '_> {
    fn drop(&mut self) {
        self.0.join_all();
    }
}

impl Scope<'_, '_> {
    /// Joins every thread spawned in the scope (threads may spawn more while it is being joined:
    /// until the list stays empty). Returns whether one that was not joined through its handle
    /// panicked.
    fn join_all(&self) -> bool {
        let mut panicked = false;
        loop {
            let batch = core::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
            if batch.is_empty() {
                return panicked;
            }
            for t in batch {
                panicked |= t.join_if_needed();
            }
        }
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Spawns a thread that may borrow data living outside the scope.
    ///
    /// # Panics
    /// If the thread cannot be created; use [`Builder::spawn_scoped`] to handle that.
    ///
    /// # Examples
    /// ```
    /// let mut n = 0;
    /// wthreads::thread::scope(|s| {
    ///     s.spawn(|| n += 1);
    /// });
    /// assert_eq!(n, 1);
    /// ```
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        match Builder::new().spawn_scoped(self, f) {
            Ok(handle) => handle,
            Err(e) => panic!("failed to spawn thread: {e}"),
        }
    }
}

impl Builder {
    /// Spawns a scoped thread with this builder's settings; see [`Scope::spawn`].
    ///
    /// # Errors
    /// As [`Builder::spawn`].
    ///
    /// # Examples
    /// ```
    /// let v = vec![1, 2, 3];
    /// wthreads::thread::scope(|s| {
    ///     let h = wthreads::thread::Builder::new().name("reader".into()).spawn_scoped(s, || v.len());
    ///     assert_eq!(h.unwrap().join().unwrap(), 3);
    /// });
    /// ```
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        // SAFETY: `scope` joins every thread it registered before the borrows of 'scope end
        // (in `scope()`), and we register this one right away, before returning.
        let handle = unsafe { self.spawn_unchecked(f)? };
        let thread = handle.thread().clone();
        let shared: Arc<Shared<T>> = Arc::new(Mutex::new(Some(handle)));
        let entry: Arc<dyn Join + Send + Sync + 'scope> = shared.clone();
        // SAFETY: only the lifetime changes. `scope()` joins and drops every entry before it
        // returns, i.e. within 'scope, and the entry never hands out a `T`.
        let entry: Arc<dyn Join + Send + Sync> = unsafe { core::mem::transmute(entry) };
        scope.threads.lock().unwrap_or_else(PoisonError::into_inner).push(entry);
        Ok(ScopedJoinHandle { shared, thread, scope: PhantomData })
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread to finish and returns its result.
    ///
    /// # Errors
    /// The panic payload (or trap message) if the thread panicked, as [`JoinHandle::join`].
    ///
    /// # Examples
    /// ```
    /// wthreads::thread::scope(|s| assert_eq!(s.spawn(|| 2).join().unwrap(), 2));
    /// ```
    pub fn join(self) -> Result<T> {
        let handle = self.shared.lock().unwrap_or_else(PoisonError::into_inner).take();
        match handle {
            Some(h) => h.join(),
            // Only the scope's end takes the handle, and that happens after 'scope.
            None => unreachable!("a scoped thread was joined twice"),
        }
    }

    /// A handle to the thread.
    ///
    /// # Examples
    /// ```
    /// wthreads::thread::scope(|s| {
    ///     let h = s.spawn(|| ());
    ///     let _id = h.thread().id();
    /// });
    /// ```
    #[must_use]
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Whether the thread has ended (then `join` does not block).
    ///
    /// # Examples
    /// ```
    /// wthreads::thread::scope(|s| {
    ///     let h = s.spawn(|| ());
    ///     while !h.is_finished() {
    ///         wthreads::thread::yield_now();
    ///     }
    /// });
    /// ```
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner).as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedJoinHandle").field("thread", &self.thread).finish_non_exhaustive()
    }
}
