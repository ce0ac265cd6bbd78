//! The errors of `mpmc`: those of `mpsc`, and the one of a send that may time out.

use core::fmt;

pub use crate::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

/// The error of `send_timeout` and `send_deadline`. Carries the message back.
///
/// # Examples
/// ```
/// use wthreads::sync::mpmc::{sync_channel, SendTimeoutError};
/// let (tx, _rx) = sync_channel(0);
/// let r = tx.send_timeout(1, core::time::Duration::from_millis(1));
/// assert_eq!(r, Err(SendTimeoutError::Timeout(1)));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// No room (or no receiver took it) before the time ran out.
    Timeout(T),
    /// Every receiver is gone.
    Disconnected(T),
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendTimeoutError(..)")
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(..) => f.write_str("timed out waiting on send operation"),
            SendTimeoutError::Disconnected(..) => f.write_str("sending on a disconnected channel"),
        }
    }
}

impl<T> core::error::Error for SendTimeoutError<T> {}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(err: SendError<T>) -> SendTimeoutError<T> {
        SendTimeoutError::Disconnected(err.0)
    }
}
