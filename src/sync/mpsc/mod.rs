//! Multi-producer, single-consumer channels with the API of `std::sync::mpsc`, over the
//! channel core the `mpmc` and `oneshot` channels share.
//!
//! # Examples
//! ```
//! use wthreads::sync::mpsc;
//! use wthreads::thread;
//!
//! let (tx, rx) = mpsc::channel();
//! for id in 0..3 {
//!     let tx = tx.clone();
//!     thread::spawn(move || tx.send(id).unwrap());
//! }
//! drop(tx);
//! let mut got: Vec<i32> = rx.iter().collect();
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! ```

mod error;

pub use error::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

use super::Arc;
use super::chan::{Chan, Deadline};
use super::mpmc::SendTimeoutError;
use crate::time::Instant;
use core::fmt;
use core::marker::PhantomData;
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::time::Duration;

/// Creates an unbounded channel: `send` never blocks.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpsc::channel();
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
#[must_use]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let chan = Chan::new(None);
    (Sender { chan: chan.clone() }, Receiver { chan, _not_sync: PhantomData })
}

/// Creates a bounded channel holding at most `bound` messages; `send` blocks while it is
/// full. With `bound == 0` it is a rendezvous channel: each `send` blocks until the receiver
/// has taken its message.
///
/// # Examples
/// ```
/// use wthreads::sync::mpsc;
/// let (tx, rx) = mpsc::sync_channel(0);
/// let t = wthreads::thread::spawn(move || tx.send(5).unwrap()); // returns once received
/// assert_eq!(rx.recv(), Ok(5));
/// t.join().unwrap();
/// ```
#[must_use]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let chan = Chan::new(Some(bound));
    (SyncSender { chan: chan.clone() }, Receiver { chan, _not_sync: PhantomData })
}

/// The sending half of a [`channel`]; clone it for more producers.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpsc::channel();
/// let tx2 = tx.clone();
/// wthreads::thread::spawn(move || tx2.send(1).unwrap());
/// tx.send(2).unwrap();
/// let mut v = [rx.recv().unwrap(), rx.recv().unwrap()];
/// v.sort();
/// assert_eq!(v, [1, 2]);
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The sending half of a [`sync_channel`]; clone it for more producers.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpsc::sync_channel(4);
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub struct SyncSender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a channel. Only one exists per channel.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpsc::channel();
/// wthreads::thread::spawn(move || tx.send("hi").unwrap());
/// assert_eq!(rx.recv(), Ok("hi"));
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

// std's channel ends are unwind-safe whatever `T` is: a panic never leaves a message half-sent.
impl<T> UnwindSafe for Sender<T> {}
impl<T> RefUnwindSafe for Sender<T> {}
impl<T> UnwindSafe for SyncSender<T> {}
impl<T> RefUnwindSafe for SyncSender<T> {}
impl<T> UnwindSafe for Receiver<T> {}
impl<T> RefUnwindSafe for Receiver<T> {}

// SAFETY: the channel state is behind a mutex; moving a sender moves the right to send `T`s.
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: `send` only takes `&self` and locks the state, as std's `Sender` (Sync since 1.72).
unsafe impl<T: Send> Sync for Sender<T> {}
// SAFETY: the channel state is behind a mutex; moving a sender moves the right to send `T`s.
unsafe impl<T: Send> Send for SyncSender<T> {}
// SAFETY: `send` only takes `&self` and locks the state, as std's `SyncSender`.
unsafe impl<T: Send> Sync for SyncSender<T> {}
// SAFETY: moving the receiver moves the right to receive `T`s; it is not `Sync`.
unsafe impl<T: Send> Send for Receiver<T> {}

impl<T> Sender<T> {
    /// Queues `t` for the receiver; never blocks.
    ///
    /// # Errors
    /// `Err(SendError(t))` giving `t` back if the receiver is gone.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpsc::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1).unwrap_err().0, 1);
    /// ```
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.chan.send_blocking(t)
    }
}

impl<T> SyncSender<T> {
    /// Sends `t`, blocking while the channel is full (or, for a rendezvous channel, until the
    /// receiver has taken it).
    ///
    /// # Errors
    /// `Err(SendError(t))` giving `t` back if the receiver is gone (also if it goes while
    /// this call waits and before it took `t`).
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpsc::sync_channel(1);
    /// tx.send(1).unwrap(); // room for one
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.chan.send_blocking(t)
    }

    /// Sends `t` only if that needs no waiting.
    ///
    /// # Errors
    /// `Full(t)` if the channel is full (for a rendezvous channel: if the receiver is not
    /// blocked in `recv`); `Disconnected(t)` if the receiver is gone.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::mpsc::{sync_channel, TrySendError};
    /// let (tx, _rx) = sync_channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(t)
    }

    /// Sends `t`, waiting at most `timeout` for room (or, for a rendezvous channel, for the
    /// receiver to take it), like std's (nightly) `SyncSender::send_timeout`.
    ///
    /// # Errors
    /// `Timeout(t)` if the time ran out first; `Disconnected(t)` if the receiver is gone.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::{mpmc::SendTimeoutError, mpsc::sync_channel};
    /// let (tx, _rx) = sync_channel(1);
    /// tx.send(1).unwrap();
    /// let r = tx.send_timeout(2, core::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(SendTimeoutError::Timeout(2)));
    /// ```
    pub fn send_timeout(&self, t: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.chan.send(t, Deadline::after(timeout))
    }
}

impl<T> Receiver<T> {
    /// Waits for a message.
    ///
    /// # Errors
    /// [`RecvError`] once the channel is empty and every sender is gone.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpsc::channel::<u8>();
    /// drop(tx);
    /// assert!(rx.recv().is_err());
    /// ```
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan.recv_blocking()
    }

    /// Takes a message if one is queued, without waiting.
    ///
    /// # Errors
    /// `Empty` if none is queued; `Disconnected` if none is and every sender is gone.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::mpsc::{channel, TryRecvError};
    /// let (_tx, rx) = channel::<u8>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Waits at most `timeout` for a message.
    ///
    /// # Errors
    /// `Timeout` if none came in time; `Disconnected` once the channel is empty and every
    /// sender is gone.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::mpsc::{channel, RecvTimeoutError};
    /// let (_tx, rx) = channel::<u8>();
    /// let r = rx.recv_timeout(core::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(RecvTimeoutError::Timeout));
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.chan.recv(Deadline::after(timeout))
    }

    /// Waits until `deadline` for a message, like std's (nightly) `Receiver::recv_deadline`.
    ///
    /// # Errors
    /// As [`recv_timeout`](Receiver::recv_timeout).
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::mpsc::{channel, RecvTimeoutError};
    /// use wthreads::time::Instant;
    /// let (_tx, rx) = channel::<u8>();
    /// let r = rx.recv_deadline(Instant::now() + core::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(RecvTimeoutError::Timeout));
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.chan.recv(Deadline::at_ns(deadline.as_ns()))
    }

    /// An iterator that waits for messages and ends when every sender is gone.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpsc::channel();
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator over the messages queued now; it never waits.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpsc::channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_iter().count(), 1);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.chan.add_sender();
        Sender { chan: self.chan.clone() }
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> SyncSender<T> {
        self.chan.add_sender();
        SyncSender { chan: self.chan.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

super::chan_iter::receiver_iterators!("mpsc");

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
