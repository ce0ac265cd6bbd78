//! The channel under [`mpsc`](super::mpsc), [`mpmc`](super::mpmc) and
//! [`oneshot`](super::oneshot): one queue behind a [`Mutex`] with two [`Condvar`]s (receiver
//! side, sender side), any number of senders and receivers. Blocking operations sleep through
//! the runtime API; nothing spins.

use super::mpmc::SendTimeoutError;
use super::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use super::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
pub(crate) use crate::deadline::Deadline;
use alloc::collections::VecDeque;

struct State<T> {
    queue: VecDeque<T>,
    senders: usize,
    receivers: usize,
    /// Messages ever taken by a receiver; a rendezvous sender waits until its message is.
    received: u64,
    /// Messages ever queued.
    sent: u64,
    /// Receivers blocked in `recv`, so a rendezvous `try_send` knows one waits.
    receivers_waiting: usize,
}

pub(crate) struct Chan<T> {
    state: Mutex<State<T>>,
    /// Receivers sleep here for messages or for the last sender to go.
    not_empty: Condvar,
    /// Senders of a bounded channel sleep here for room, or for their message to be taken.
    not_full: Condvar,
    /// `None`: unbounded; `Some(0)`: rendezvous; `Some(n)`: at most `n` queued messages.
    bound: Option<usize>,
}

/// Waits on `cv` until `deadline`; `None` if it has passed (the guard is then dropped).
fn wait_until<'a, S>(cv: &Condvar, guard: MutexGuard<'a, S>, deadline: Deadline) -> Option<MutexGuard<'a, S>> {
    match deadline.left()? {
        None => Some(cv.wait(guard).unwrap_or_else(PoisonError::into_inner)),
        Some(left) => Some(cv.wait_timeout(guard, left).unwrap_or_else(PoisonError::into_inner).0),
    }
}

impl<T> Chan<T> {
    /// A channel with one sender and one receiver.
    pub(crate) fn new(bound: Option<usize>) -> Arc<Chan<T>> {
        Arc::new(Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                senders: 1,
                receivers: 1,
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
    fn room(&self) -> usize {
        self.bound.map_or(usize::MAX, |b| b.max(1))
    }

    fn push(&self, state: &mut State<T>, t: T) -> u64 {
        state.queue.push_back(t);
        state.sent += 1;
        self.event(crate::abi::CHAN_SEND, state.sent);
        self.not_empty.notify_one();
        state.sent
    }

    /// Sends `t`, waiting until `deadline` for room (bounded) or for a receiver to take it
    /// (rendezvous).
    pub(crate) fn send(&self, t: T, deadline: Deadline) -> Result<(), SendTimeoutError<T>> {
        let mut state = self.lock();
        while state.receivers > 0 && state.queue.len() >= self.room() {
            match wait_until(&self.not_full, state, deadline) {
                Some(s) => state = s,
                None => return Err(SendTimeoutError::Timeout(t)),
            }
        }
        if state.receivers == 0 {
            return Err(SendTimeoutError::Disconnected(t));
        }
        let ticket = self.push(&mut state, t);
        if self.bound == Some(0) {
            while state.receivers > 0 && state.received < ticket {
                match wait_until(&self.not_full, state, deadline) {
                    Some(s) => state = s,
                    None => {
                        state = self.lock();
                        break;
                    }
                }
            }
            if state.received < ticket {
                // Not taken (the receivers left, or time ran out): it is the only queued
                // message (a rendezvous holds one at a time), so it goes back to the sender.
                if let Some(t) = state.queue.pop_back() {
                    return Err(if state.receivers == 0 {
                        SendTimeoutError::Disconnected(t)
                    } else {
                        SendTimeoutError::Timeout(t)
                    });
                }
            }
        }
        Ok(())
    }

    /// Sends `t`, waiting as long as it takes.
    pub(crate) fn send_blocking(&self, t: T) -> Result<(), SendError<T>> {
        self.send(t, Deadline::NEVER)
            .map_err(|(SendTimeoutError::Timeout(t) | SendTimeoutError::Disconnected(t))| SendError(t))
    }

    pub(crate) fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        let mut state = self.lock();
        if state.receivers == 0 {
            return Err(TrySendError::Disconnected(t));
        }
        let room = match self.bound {
            // A rendezvous succeeds only if a receiver is already waiting for it.
            Some(0) => state.receivers_waiting > state.queue.len(),
            _ => state.queue.len() < self.room(),
        };
        if !room {
            return Err(TrySendError::Full(t));
        }
        self.push(&mut state, t);
        Ok(())
    }

    /// Reports message `n`'s event (its number, truncated to the event's 32 bits).
    fn event(&self, kind: i32, n: u64) {
        crate::sys::event(kind, core::ptr::from_ref(self).addr(), n as usize, 0);
    }

    fn took(&self, state: &mut State<T>) {
        state.received += 1;
        self.event(crate::abi::CHAN_RECV, state.received);
        if self.bound.is_some() {
            self.not_full.notify_all();
        }
    }

    /// Takes a message, waiting until `deadline`.
    pub(crate) fn recv(&self, deadline: Deadline) -> Result<T, RecvTimeoutError> {
        let mut state = self.lock();
        loop {
            if let Some(t) = state.queue.pop_front() {
                self.took(&mut state);
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
            match wait_until(&self.not_empty, state, deadline) {
                Some(s) => state = s,
                None => {
                    self.lock().receivers_waiting -= 1;
                    return Err(RecvTimeoutError::Timeout);
                }
            }
            state.receivers_waiting -= 1;
        }
    }

    /// Takes a message, waiting as long as it takes.
    pub(crate) fn recv_blocking(&self) -> Result<T, RecvError> {
        self.recv(Deadline::NEVER).map_err(|_| RecvError)
    }

    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut state = self.lock();
        match state.queue.pop_front() {
            Some(t) => {
                self.took(&mut state);
                Ok(t)
            }
            None if state.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Messages queued.
    pub(crate) fn len(&self) -> usize {
        self.lock().queue.len()
    }

    /// The bound of a bounded channel.
    pub(crate) fn capacity(&self) -> Option<usize> {
        self.bound
    }

    /// Whether no more message can be queued without waiting.
    pub(crate) fn is_full(&self) -> bool {
        match self.bound {
            None => false,
            Some(0) => true,
            Some(n) => self.len() >= n,
        }
    }

    /// Whether every receiver is gone.
    pub(crate) fn receivers_gone(&self) -> bool {
        self.lock().receivers == 0
    }

    /// Whether every sender is gone.
    pub(crate) fn senders_gone(&self) -> bool {
        self.lock().senders == 0
    }

    pub(crate) fn add_sender(&self) {
        self.lock().senders += 1;
    }

    pub(crate) fn add_receiver(&self) {
        self.lock().receivers += 1;
    }

    pub(crate) fn drop_sender(&self) {
        let mut state = self.lock();
        state.senders -= 1;
        if state.senders == 0 {
            self.not_empty.notify_all();
        }
    }

    pub(crate) fn drop_receiver(&self) {
        let queued = {
            let mut state = self.lock();
            state.receivers -= 1;
            if state.receivers > 0 {
                return;
            }
            self.not_full.notify_all();
            // A rendezvous sender takes its message back itself.
            if self.bound == Some(0) { VecDeque::new() } else { core::mem::take(&mut state.queue) }
        };
        // Dropped outside the lock: a message's destructor may use the channel.
        drop(queued);
    }
}
