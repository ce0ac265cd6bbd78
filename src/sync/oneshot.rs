//! A channel for exactly one message, with the API of std's (nightly) `std::sync::oneshot`, on
//! stable: `send` and every receive consume their end.
//!
//! # Examples
//! ```
//! use wthreads::sync::oneshot;
//! let (tx, rx) = oneshot::channel();
//! wthreads::thread::spawn(move || tx.send(6 * 7).unwrap());
//! assert_eq!(rx.recv(), Ok(42));
//! ```

use super::Arc;
use super::chan::{Chan, Deadline};
use super::mpsc::{self, RecvError, SendError};
use crate::time::Instant;
use core::fmt;
use core::time::Duration;

/// Creates a oneshot channel.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::oneshot::channel::<u8>();
/// drop(tx);
/// assert!(rx.recv().is_err());
/// ```
#[must_use]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    // Room for the one message: `send` never waits.
    let chan = Chan::new(Some(1));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// The sending half of a [`oneshot`](self) channel.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::oneshot::channel();
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a [`oneshot`](self) channel.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::oneshot::channel();
/// tx.send("done").unwrap();
/// assert_eq!(rx.recv(), Ok("done"));
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

// SAFETY: an end moves the right to send or receive the `T` (needs `T: Send`).
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: every method takes the end by value, so a shared one can do nothing (std's bounds).
unsafe impl<T> Sync for Sender<T> {}
// SAFETY: an end moves the right to send or receive the `T` (needs `T: Send`).
unsafe impl<T: Send> Send for Receiver<T> {}
// SAFETY: every method takes the end by value, so a shared one can do nothing (std's bounds).
unsafe impl<T> Sync for Receiver<T> {}

impl<T> Sender<T> {
    /// Sends the message; never waits.
    ///
    /// # Errors
    /// `SendError(t)` if the receiver is gone.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::oneshot::channel();
    /// drop(rx);
    /// assert!(tx.send(1).is_err());
    /// ```
    pub fn send(self, t: T) -> Result<(), SendError<T>> {
        self.chan.send_blocking(t)
    }
}

impl<T> Receiver<T> {
    /// Waits for the message.
    ///
    /// # Errors
    /// `RecvError` if the sender was dropped without sending.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::oneshot::channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn recv(self) -> Result<T, RecvError> {
        self.chan.recv_blocking()
    }

    /// Takes the message if it was sent, without waiting; else gives the receiver back.
    ///
    /// # Errors
    /// `Empty(self)` if it was not sent yet; `Disconnected` if the sender was dropped without
    /// sending.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::oneshot::{channel, TryRecvError};
    /// let (tx, rx) = channel();
    /// let Err(TryRecvError::Empty(rx)) = rx.try_recv() else { panic!() };
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv().ok(), Some(1));
    /// ```
    pub fn try_recv(self) -> Result<T, TryRecvError<T>> {
        match self.chan.try_recv() {
            Ok(t) => Ok(t),
            Err(mpsc::TryRecvError::Empty) => Err(TryRecvError::Empty(self)),
            Err(mpsc::TryRecvError::Disconnected) => Err(TryRecvError::Disconnected),
        }
    }

    /// Waits at most `timeout` for the message; else gives the receiver back.
    ///
    /// # Errors
    /// `Timeout(self)` if it did not come in time; `Disconnected` if the sender was dropped
    /// without sending.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::oneshot::{channel, RecvTimeoutError};
    /// let (_tx, rx) = channel::<u8>();
    /// let r = rx.recv_timeout(core::time::Duration::from_millis(1));
    /// assert!(matches!(r, Err(RecvTimeoutError::Timeout(_))));
    /// ```
    pub fn recv_timeout(self, timeout: Duration) -> Result<T, RecvTimeoutError<T>> {
        self.recv_until(Deadline::after(timeout))
    }

    /// Waits until `deadline` for the message; else gives the receiver back.
    ///
    /// # Errors
    /// As [`recv_timeout`](Receiver::recv_timeout).
    ///
    /// # Examples
    /// ```
    /// use wthreads::time::Instant;
    /// let (_tx, rx) = wthreads::sync::oneshot::channel::<u8>();
    /// assert!(rx.recv_deadline(Instant::now()).is_err());
    /// ```
    pub fn recv_deadline(self, deadline: Instant) -> Result<T, RecvTimeoutError<T>> {
        self.recv_until(Deadline::at_ns(deadline.as_ns()))
    }

    fn recv_until(self, deadline: Deadline) -> Result<T, RecvTimeoutError<T>> {
        match self.chan.recv(deadline) {
            Ok(t) => Ok(t),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(RecvTimeoutError::Timeout(self)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(RecvTimeoutError::Disconnected),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// The error of [`Receiver::try_recv`].
///
/// # Examples
/// ```
/// use wthreads::sync::oneshot::{channel, TryRecvError};
/// let (tx, rx) = channel::<u8>();
/// drop(tx);
/// assert!(matches!(rx.try_recv(), Err(TryRecvError::Disconnected)));
/// ```
pub enum TryRecvError<T> {
    /// Not sent yet; the receiver is handed back.
    Empty(Receiver<T>),
    /// The sender was dropped without sending.
    Disconnected,
}

/// The error of [`Receiver::recv_timeout`] and [`Receiver::recv_deadline`].
///
/// # Examples
/// ```
/// use wthreads::sync::oneshot::{channel, RecvTimeoutError};
/// let (tx, rx) = channel::<u8>();
/// drop(tx);
/// assert!(matches!(rx.recv_timeout(core::time::Duration::ZERO), Err(RecvTimeoutError::Disconnected)));
/// ```
pub enum RecvTimeoutError<T> {
    /// The time ran out; the receiver is handed back.
    Timeout(Receiver<T>),
    /// The sender was dropped without sending.
    Disconnected,
}

impl<T> fmt::Debug for TryRecvError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TryRecvError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for TryRecvError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty(..) => f.write_str("receiving on an empty oneshot channel"),
            TryRecvError::Disconnected => f.write_str("receiving on a closed oneshot channel"),
        }
    }
}

impl<T> core::error::Error for TryRecvError<T> {}

impl<T> From<RecvError> for TryRecvError<T> {
    fn from(_: RecvError) -> TryRecvError<T> {
        TryRecvError::Disconnected
    }
}

impl<T> fmt::Debug for RecvTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RecvTimeoutError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for RecvTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout(..) => f.write_str("timed out waiting on oneshot channel"),
            RecvTimeoutError::Disconnected => f.write_str("receiving on a closed oneshot channel"),
        }
    }
}

impl<T> core::error::Error for RecvTimeoutError<T> {}

impl<T> From<RecvError> for RecvTimeoutError<T> {
    fn from(_: RecvError) -> RecvTimeoutError<T> {
        RecvTimeoutError::Disconnected
    }
}
