//! The errors of the channels, with std's names, words and conversions.

use core::fmt;

/// The error of `send`: the receiver is gone. Carries the message back.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpsc::channel();
/// drop(rx);
/// let wthreads::sync::mpsc::SendError(back) = tx.send(3).unwrap_err();
/// assert_eq!(back, 3);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

/// The error of `recv`: the channel is empty and every sender is gone.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpsc::channel::<u8>();
/// drop(tx);
/// assert_eq!(rx.recv(), Err(wthreads::sync::mpsc::RecvError));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct RecvError;

/// The error of `try_recv`.
///
/// # Examples
/// ```
/// use wthreads::sync::mpsc::{channel, TryRecvError};
/// let (tx, rx) = channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum TryRecvError {
    /// No message is queued now.
    Empty,
    /// No message is queued and every sender is gone.
    Disconnected,
}

/// The error of `recv_timeout`.
///
/// # Examples
/// ```
/// use wthreads::sync::mpsc::{channel, RecvTimeoutError};
/// let (_tx, rx) = channel::<u8>();
/// assert_eq!(rx.recv_timeout(core::time::Duration::ZERO), Err(RecvTimeoutError::Timeout));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum RecvTimeoutError {
    /// No message came in time.
    Timeout,
    /// No message is queued and every sender is gone.
    Disconnected,
}

/// The error of `try_send`. Carries the message back.
///
/// # Examples
/// ```
/// use wthreads::sync::mpsc::{sync_channel, TrySendError};
/// let (tx, rx) = sync_channel(0);
/// assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
/// drop(rx);
/// assert_eq!(tx.try_send(2), Err(TrySendError::Disconnected(2)));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The channel is full (rendezvous: the receiver is not waiting).
    Full(T),
    /// The receiver is gone.
    Disconnected(T),
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> core::error::Error for SendError<T> {}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(..) => f.write_str("Full(..)"),
            TrySendError::Disconnected(..) => f.write_str("Disconnected(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(..) => f.write_str("sending on a full channel"),
            TrySendError::Disconnected(..) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> core::error::Error for TrySendError<T> {}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> TrySendError<T> {
        TrySendError::Disconnected(err.0)
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on a closed channel")
    }
}

impl core::error::Error for RecvError {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Disconnected => f.write_str("receiving on a closed channel"),
        }
    }
}

impl core::error::Error for TryRecvError {}

impl From<RecvError> for TryRecvError {
    fn from(_: RecvError) -> TryRecvError {
        TryRecvError::Disconnected
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out waiting on channel"),
            RecvTimeoutError::Disconnected => f.write_str("channel is empty and sending half is closed"),
        }
    }
}

impl core::error::Error for RecvTimeoutError {}

impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> RecvTimeoutError {
        RecvTimeoutError::Disconnected
    }
}
