//! `Thread` and `ThreadId`: a thread's handle and identity.

use super::parker::Parker;
use crate::sys;
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;
use core::num::NonZeroU64;
use core::sync::atomic::{AtomicU64, Ordering};

/// A unique identifier of a running or finished thread; never reused.
///
/// # Examples
/// ```
/// let id = wthreads::thread::current().id();
/// let other = wthreads::thread::spawn(|| wthreads::thread::current().id()).join().unwrap();
/// assert_ne!(id, other);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ThreadId(NonZeroU64);

impl ThreadId {
    /// The main thread's id on wasm, whichever thread asks first (docs/abi.md's `MAIN_THREAD_ID`).
    const MAIN: ThreadId = ThreadId(NonZeroU64::MIN);

    fn new() -> ThreadId {
        // From 2: 1 is the main thread's.
        static COUNTER: AtomicU64 = AtomicU64::new(2);
        // Relaxed: only uniqueness matters, which the atomic read-modify-write gives.
        let id = COUNTER.fetch_add(1, Ordering::Relaxed);
        ThreadId(NonZeroU64::new(id).unwrap_or(NonZeroU64::MIN))
    }

    /// The id as a number. On wasm the main thread, the one that runs the invoked export, is 1
    /// (as the host numbers it); natively a thread not started by wthreads gets an id like a
    /// spawned one.
    ///
    /// # Examples
    /// ```
    /// let n: u64 = wthreads::thread::current().id().as_u64().get();
    /// assert!(n > 0);
    /// ```
    #[must_use]
    pub fn as_u64(&self) -> NonZeroU64 {
        self.0
    }
}

struct Inner {
    id: ThreadId,
    name: Option<String>,
    /// The park token, see [`Parker`].
    parker: Parker,
}

/// A handle to a thread, as returned by [`current`](crate::thread::current) and
/// [`JoinHandle::thread`](crate::thread::JoinHandle::thread).
///
/// # Examples
/// ```
/// let t = wthreads::thread::current();
/// wthreads::println!("{:?} {:?}", t.id(), t.name());
/// ```
#[derive(Clone)]
pub struct Thread {
    inner: Arc<Inner>,
}

impl Thread {
    /// A spawned thread's handle, with a new id.
    pub(crate) fn new(name: Option<String>) -> Thread {
        Thread::with_id(ThreadId::new(), name)
    }

    /// The handle of a thread the runtime did not start: the main thread's id where it can only
    /// be the main thread (`sys::ADOPTED_IS_MAIN`), else a new one.
    pub(crate) fn adopted(name: Option<String>) -> Thread {
        Thread::with_id(if sys::ADOPTED_IS_MAIN { ThreadId::MAIN } else { ThreadId::new() }, name)
    }

    fn with_id(id: ThreadId, name: Option<String>) -> Thread {
        Thread { inner: Arc::new(Inner { id, name, parker: Parker::new() }) }
    }

    pub(crate) fn parker(&self) -> &Parker {
        &self.inner.parker
    }

    /// Makes the park token of this thread available: the thread's next (or current)
    /// [`park`](crate::thread::park) returns. Tokens do not accumulate, as in std.
    ///
    /// # Examples
    /// ```
    /// use wthreads::thread;
    /// let t = thread::spawn(|| thread::park());
    /// t.thread().unpark();
    /// t.join().unwrap();
    /// ```
    pub fn unpark(&self) {
        self.inner.parker.unpark();
    }

    /// The thread's unique id.
    ///
    /// # Examples
    /// ```
    /// let h = wthreads::thread::spawn(|| wthreads::thread::current().id());
    /// let id = h.thread().id();
    /// assert_eq!(h.join().unwrap(), id);
    /// ```
    #[must_use]
    pub fn id(&self) -> ThreadId {
        self.inner.id
    }

    /// The thread's name, if it has one (the main thread is `"main"`).
    ///
    /// # Examples
    /// ```
    /// let h = wthreads::thread::Builder::new().name("w".into()).spawn(|| ()).unwrap();
    /// assert_eq!(h.thread().name(), Some("w"));
    /// ```
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread").field("id", &self.id()).field("name", &self.name()).finish_non_exhaustive()
    }
}
