//! Multi-producer, single-consumer channels with the API of `std::sync::mpsc`.
//!
//! One queue behind a [`Mutex`] with two [`Condvar`]s (receiver side, sender side). Blocking
//! operations sleep through the runtime API; nothing spins.
//!
//! # Examples
//! ```no_run
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

use super::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use crate::sys;
use alloc::collections::VecDeque;
use core::fmt;
use core::marker::PhantomData;
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::time::Duration;

struct State<T> {
    queue: VecDeque<T>,
    senders: usize,
    receiver_alive: bool,
    /// Messages ever taken by the receiver; a rendezvous sender waits until its message is.
    received: u64,
    /// Messages ever queued.
    sent: u64,
    /// Receivers blocked in `recv` (0 or 1), so a rendezvous `try_send` knows one waits.
    receivers_waiting: usize,
}

struct Chan<T> {
    state: Mutex<State<T>>,
    /// The receiver sleeps here for messages or for the last sender to go.
    not_empty: Condvar,
    /// Senders of a bounded channel sleep here for room, or for their message to be taken.
    not_full: Condvar,
    /// `None`: unbounded; `Some(0)`: rendezvous; `Some(n)`: at most `n` queued messages.
    bound: Option<usize>,
}

impl<T> Chan<T> {
    fn new(bound: Option<usize>) -> Arc<Chan<T>> {
        Arc::new(Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                senders: 1,
                receiver_alive: true,
                received: 0,
                sent: 0,
                receivers_waiting: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            bound,
        })
    }

    /// Locks the state. The channel keeps its invariants at every unlock, so a poisoned lock
    /// (a thread died while holding it) is still consistent and is used as is.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many messages may be queued: a rendezvous channel has one message in flight.
    fn capacity(&self) -> usize {
        self.bound.map_or(usize::MAX, |b| b.max(1))
    }

    fn push(&self, state: &mut State<T>, t: T) -> u64 {
        state.queue.push_back(t);
        state.sent += 1;
        self.not_empty.notify_one();
        state.sent
    }

    /// Sends `t`, waiting for room (bounded) or for the receiver to take it (rendezvous).
    fn send(&self, t: T) -> Result<(), SendError<T>> {
        let mut state = self.lock();
        while state.receiver_alive && state.queue.len() >= self.capacity() {
            state = self.not_full.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        if !state.receiver_alive {
            return Err(SendError(t));
        }
        let ticket = self.push(&mut state, t);
        if self.bound == Some(0) {
            while state.receiver_alive && state.received < ticket {
                state = self.not_full.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
            if state.received < ticket {
                // The receiver left before taking it: it is the only queued message.
                if let Some(t) = state.queue.pop_back() {
                    return Err(SendError(t));
                }
            }
        }
        Ok(())
    }

    fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        let mut state = self.lock();
        if !state.receiver_alive {
            return Err(TrySendError::Disconnected(t));
        }
        let room = match self.bound {
            // A rendezvous succeeds only if the receiver is already waiting for it.
            Some(0) => state.receivers_waiting > state.queue.len(),
            _ => state.queue.len() < self.capacity(),
        };
        if !room {
            return Err(TrySendError::Full(t));
        }
        self.push(&mut state, t);
        Ok(())
    }

    /// Takes a message, waiting until `deadline` (ns on the host clock; `None`: forever).
    fn recv(&self, deadline: Option<u64>) -> Result<T, RecvTimeoutError> {
        let mut state = self.lock();
        loop {
            if let Some(t) = state.queue.pop_front() {
                state.received += 1;
                if self.bound.is_some() {
                    self.not_full.notify_all();
                }
                return Ok(t);
            }
            if state.senders == 0 {
                return Err(RecvTimeoutError::Disconnected);
            }
            if self.bound == Some(0) {
                // A rendezvous sender may wait for room that only a waiting receiver makes.
                self.not_full.notify_all();
            }
            state.receivers_waiting += 1;
            state = match deadline {
                None => self.not_empty.wait(state).unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = sys::clock_ns();
                    if now >= deadline {
                        state.receivers_waiting -= 1;
                        return Err(RecvTimeoutError::Timeout);
                    }
                    let left = Duration::from_nanos(deadline - now);
                    self.not_empty.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0
                }
            };
            state.receivers_waiting -= 1;
        }
    }

    fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut state = self.lock();
        match state.queue.pop_front() {
            Some(t) => {
                state.received += 1;
                if self.bound.is_some() {
                    self.not_full.notify_all();
                }
                Ok(t)
            }
            None if state.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    fn add_sender(&self) {
        self.lock().senders += 1;
    }

    fn drop_sender(&self) {
        let mut state = self.lock();
        state.senders -= 1;
        if state.senders == 0 {
            self.not_empty.notify_all();
        }
    }

    fn drop_receiver(&self) {
        let queued = {
            let mut state = self.lock();
            state.receiver_alive = false;
            self.not_full.notify_all();
            // A rendezvous sender takes its message back itself.
            if self.bound == Some(0) { VecDeque::new() } else { core::mem::take(&mut state.queue) }
        };
        // Dropped outside the lock: a message's destructor may use the channel.
        drop(queued);
    }
}

/// Creates an unbounded channel: `send` never blocks.
///
/// # Examples
/// ```no_run
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
/// ```no_run
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
/// ```no_run
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
/// ```no_run
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
/// ```no_run
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
// SAFETY: as for `Sender`.
unsafe impl<T: Send> Send for SyncSender<T> {}
// SAFETY: as for `Sender`.
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
    /// ```no_run
    /// let (tx, rx) = wthreads::sync::mpsc::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1).unwrap_err().0, 1);
    /// ```
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.chan.send(t)
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
    /// ```no_run
    /// let (tx, rx) = wthreads::sync::mpsc::sync_channel(1);
    /// tx.send(1).unwrap(); // room for one
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.chan.send(t)
    }

    /// Sends `t` only if that needs no waiting.
    ///
    /// # Errors
    /// `Full(t)` if the channel is full (for a rendezvous channel: if the receiver is not
    /// blocked in `recv`); `Disconnected(t)` if the receiver is gone.
    ///
    /// # Examples
    /// ```no_run
    /// use wthreads::sync::mpsc::{sync_channel, TrySendError};
    /// let (tx, _rx) = sync_channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(t)
    }
}

impl<T> Receiver<T> {
    /// Waits for a message.
    ///
    /// # Errors
    /// [`RecvError`] once the channel is empty and every sender is gone.
    ///
    /// # Examples
    /// ```no_run
    /// let (tx, rx) = wthreads::sync::mpsc::channel::<u8>();
    /// drop(tx);
    /// assert!(rx.recv().is_err());
    /// ```
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan.recv(None).map_err(|_| RecvError)
    }

    /// Takes a message if one is queued, without waiting.
    ///
    /// # Errors
    /// `Empty` if none is queued; `Disconnected` if none is and every sender is gone.
    ///
    /// # Examples
    /// ```no_run
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
    /// ```no_run
    /// use wthreads::sync::mpsc::{channel, RecvTimeoutError};
    /// let (_tx, rx) = channel::<u8>();
    /// let r = rx.recv_timeout(core::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(RecvTimeoutError::Timeout));
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let deadline = sys::clock_ns().saturating_add(u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX));
        self.chan.recv(Some(deadline))
    }

    /// An iterator that waits for messages and ends when every sender is gone.
    ///
    /// # Examples
    /// ```no_run
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
    /// ```no_run
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

/// Iterator of [`Receiver::iter`].
///
/// # Examples
/// ```no_run
/// let (tx, rx) = wthreads::sync::mpsc::channel();
/// tx.send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.iter().sum::<i32>(), 1);
/// ```
#[derive(Debug)]
pub struct Iter<'a, T: 'a> {
    rx: &'a Receiver<T>,
}

/// Iterator of [`Receiver::try_iter`].
///
/// # Examples
/// ```no_run
/// let (tx, rx) = wthreads::sync::mpsc::channel::<u8>();
/// assert_eq!(rx.try_iter().next(), None);
/// drop(tx);
/// ```
#[derive(Debug)]
pub struct TryIter<'a, T: 'a> {
    rx: &'a Receiver<T>,
}

/// Iterator of `Receiver::into_iter`.
///
/// # Examples
/// ```no_run
/// let (tx, rx) = wthreads::sync::mpsc::channel();
/// tx.send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.into_iter().collect::<Vec<_>>(), [1]);
/// ```
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

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

/// The error of `send`: the receiver is gone. Carries the message back.
///
/// # Examples
/// ```no_run
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
/// ```no_run
/// let (tx, rx) = wthreads::sync::mpsc::channel::<u8>();
/// drop(tx);
/// assert_eq!(rx.recv(), Err(wthreads::sync::mpsc::RecvError));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct RecvError;

/// The error of `try_recv`.
///
/// # Examples
/// ```no_run
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
/// ```no_run
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
/// ```no_run
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
