//! Multi-producer, multi-consumer channels with the API of std's (nightly) `std::sync::mpmc`,
//! on stable: both ends can be cloned and shared, and each message goes to exactly one receiver.
//!
//! # Examples
//! ```
//! use wthreads::sync::mpmc;
//! use wthreads::thread;
//!
//! let (tx, rx) = mpmc::channel();
//! let workers: Vec<_> = (0..2)
//!     .map(|_| {
//!         let rx = rx.clone();
//!         thread::spawn(move || rx.iter().sum::<u32>())
//!     })
//!     .collect();
//! for i in 1..=10 {
//!     tx.send(i).unwrap();
//! }
//! drop(tx);
//! assert_eq!(workers.into_iter().map(|w| w.join().unwrap()).sum::<u32>(), 55);
//! ```

mod error;

pub use error::{RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};

use super::Arc;
use super::chan::{Chan, Deadline};
use crate::time::Instant;
use core::fmt;
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::time::Duration;

/// Creates an unbounded channel: `send` never blocks.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpmc::channel();
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
#[must_use]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let chan = Chan::new(None);
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// Creates a channel holding at most `cap` messages; `send` blocks while it is full. With
/// `cap == 0` every send waits until a receiver takes the message (rendezvous).
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpmc::sync_channel(1);
/// tx.send(1).unwrap();
/// assert!(tx.is_full());
/// assert_eq!(rx.recv(), Ok(1));
/// ```
#[must_use]
pub fn sync_channel<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Chan::new(Some(cap));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// The sending half of an [`mpmc`](self) channel; clone it for more producers.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpmc::channel();
/// let tx2 = tx.clone();
/// tx2.send(1).unwrap();
/// assert!(tx.same_channel(&tx2));
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of an [`mpmc`](self) channel; clone it for more consumers.
///
/// # Examples
/// ```
/// let (tx, rx) = wthreads::sync::mpmc::channel();
/// let rx2 = rx.clone();
/// tx.send(1).unwrap();
/// assert_eq!(rx2.recv(), Ok(1));
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

// SAFETY: the channel state is behind a mutex; an end moves or shares the right to send or
// receive `T`s, which needs `T: Send` (std's bounds).
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: `send` only takes `&self` and locks the channel state (needs `T: Send`).
unsafe impl<T: Send> Sync for Sender<T> {}
// SAFETY: the channel state is behind a mutex; moving a receiver moves the right to receive
// `T`s (needs `T: Send`).
unsafe impl<T: Send> Send for Receiver<T> {}
// SAFETY: `recv` only takes `&self` and locks the channel state; receivers share the queue as
// std's mpmc ones do (needs `T: Send`).
unsafe impl<T: Send> Sync for Receiver<T> {}
// As std's: a panic never leaves a message half-sent.
impl<T> UnwindSafe for Sender<T> {}
impl<T> RefUnwindSafe for Sender<T> {}
impl<T> UnwindSafe for Receiver<T> {}
impl<T> RefUnwindSafe for Receiver<T> {}

/// The queries both ends of a channel answer, written once for [`Sender`] and [`Receiver`]; `$end`
/// names the end in the examples (`tx` or `rx`).
macro_rules! queue_queries {
    ($end:literal) => {
        /// Whether no message is queued.
        ///
        /// # Examples
        #[doc = concat!("```\nlet (tx, rx) = wthreads::sync::mpmc::channel::<u8>();\nassert!(", $end, ".is_empty());\n```")]
        pub fn is_empty(&self) -> bool {
            self.chan.len() == 0
        }

        /// Whether a send would have to wait (always, with capacity 0).
        ///
        /// # Examples
        #[doc = concat!("```\nlet (tx, rx) = wthreads::sync::mpmc::sync_channel::<u8>(0);\nassert!(", $end, ".is_full());\n```")]
        pub fn is_full(&self) -> bool {
            self.chan.is_full()
        }

        /// How many messages are queued.
        ///
        /// # Examples
        #[doc = concat!("```\nlet (tx, rx) = wthreads::sync::mpmc::channel();\ntx.send(1).unwrap();\nassert_eq!(", $end, ".len(), 1);\n```")]
        pub fn len(&self) -> usize {
            self.chan.len()
        }

        /// The capacity of a bounded channel; `None` if it is unbounded.
        ///
        /// # Examples
        #[doc = concat!("```\nlet (tx, rx) = wthreads::sync::mpmc::sync_channel::<u8>(3);\nassert_eq!(", $end, ".capacity(), Some(3));\n```")]
        pub fn capacity(&self) -> Option<usize> {
            self.chan.capacity()
        }
    };
}

impl<T> Sender<T> {
    queue_queries!("tx");

    /// Sends `t` if that is possible without waiting.
    ///
    /// # Errors
    /// `Full(t)` if there is no room (for a rendezvous channel: no receiver waits);
    /// `Disconnected(t)` if every receiver is gone.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::mpmc::{sync_channel, TrySendError};
    /// let (tx, _rx) = sync_channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(t)
    }

    /// Sends `t`, waiting for room in a bounded channel (or for a receiver to take it, with
    /// capacity 0).
    ///
    /// # Errors
    /// `SendError(t)` if every receiver is gone.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpmc::channel();
    /// drop(rx);
    /// assert!(tx.send(1).is_err());
    /// ```
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.chan.send_blocking(t)
    }

    /// As [`send`](Sender::send), waiting at most `timeout`.
    ///
    /// # Errors
    /// `Timeout(t)` if the time ran out first; `Disconnected(t)` if every receiver is gone.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::mpmc::{sync_channel, SendTimeoutError};
    /// let (tx, _rx) = sync_channel(0);
    /// let r = tx.send_timeout(1, core::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(SendTimeoutError::Timeout(1)));
    /// ```
    pub fn send_timeout(&self, t: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.chan.send(t, Deadline::after(timeout))
    }

    /// As [`send`](Sender::send), waiting at most until `deadline`.
    ///
    /// # Errors
    /// As [`send_timeout`](Sender::send_timeout).
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::mpmc::sync_channel;
    /// use wthreads::time::Instant;
    /// let (tx, _rx) = sync_channel(0);
    /// assert!(tx.send_deadline(1, Instant::now()).is_err());
    /// ```
    pub fn send_deadline(&self, t: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.chan.send(t, Deadline::at_ns(deadline.as_ns()))
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = wthreads::sync::mpmc::channel::<u8>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Whether every receiver is gone (a send would fail).
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpmc::channel::<u8>();
    /// drop(rx);
    /// assert!(tx.is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.chan.receivers_gone()
    }
}

impl<T> Receiver<T> {
    queue_queries!("rx");

    /// Takes a message if one is queued, without waiting.
    ///
    /// # Errors
    /// `Empty` if none is queued; `Disconnected` once empty and every sender is gone.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::mpmc::{channel, TryRecvError};
    /// let (_tx, rx) = channel::<u8>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Waits for a message.
    ///
    /// # Errors
    /// `RecvError` once the channel is empty and every sender is gone.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpmc::channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan.recv_blocking()
    }

    /// Waits at most `timeout` for a message.
    ///
    /// # Errors
    /// `Timeout` if none came in time; `Disconnected` once empty and every sender is gone.
    ///
    /// # Examples
    /// ```
    /// use wthreads::sync::mpmc::{channel, RecvTimeoutError};
    /// let (_tx, rx) = channel::<u8>();
    /// let r = rx.recv_timeout(core::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(RecvTimeoutError::Timeout));
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.chan.recv(Deadline::after(timeout))
    }

    /// Waits until `deadline` for a message.
    ///
    /// # Errors
    /// As [`recv_timeout`](Receiver::recv_timeout).
    ///
    /// # Examples
    /// ```
    /// use wthreads::time::Instant;
    /// let (_tx, rx) = wthreads::sync::mpmc::channel::<u8>();
    /// assert!(rx.recv_deadline(Instant::now()).is_err());
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.chan.recv(Deadline::at_ns(deadline.as_ns()))
    }

    /// An iterator over the messages queued now; it never waits.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpmc::channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }

    /// An iterator that waits for messages and ends when every sender is gone.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpmc::channel();
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    /// ```
    /// let (_tx, rx) = wthreads::sync::mpmc::channel::<u8>();
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Whether every sender is gone (once empty, a receive fails).
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = wthreads::sync::mpmc::channel::<u8>();
    /// drop(tx);
    /// assert!(rx.is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.chan.senders_gone()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.chan.add_sender();
        Sender { chan: self.chan.clone() }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.chan.add_receiver();
        Receiver { chan: self.chan.clone() }
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

super::chan_iter::receiver_iterators!("mpmc");
