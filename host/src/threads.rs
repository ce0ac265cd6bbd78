//! The host's table of guest threads: spawn, join, detach, and the end of a thread.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use wthreads::abi;

/// How a thread ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The thread's entry returned.
    Returned,
    /// The thread trapped (a guest panic arrives as a trap through `abort`); the message.
    Trapped(String),
}

impl Outcome {
    /// Its code in the runtime API (`thread_join`'s result, a trace's exit event).
    #[must_use]
    pub fn code(&self) -> i32 {
        match self {
            Outcome::Returned => abi::JOIN_RETURNED,
            Outcome::Trapped(_) => abi::JOIN_TRAPPED,
        }
    }

    /// The message of a thread that trapped.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        match self {
            Outcome::Returned => None,
            Outcome::Trapped(m) => Some(m),
        }
    }
}

#[derive(Debug)]
enum State {
    Running,
    Finished(Outcome),
}

/// One guest thread as the host sees it.
#[derive(Debug)]
pub struct Record {
    state: Mutex<State>,
    done: Condvar,
}

impl Record {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Debug)]
struct Entry {
    record: Arc<Record>,
    joining: bool,
    detached: bool,
}

/// All guest threads that can still be joined, and the live-thread count the limit applies to.
#[derive(Debug)]
pub struct ThreadTable {
    inner: Mutex<Inner>,
    max_threads: usize,
}

#[derive(Debug)]
struct Inner {
    next_tid: i32,
    live: usize,
    entries: HashMap<i32, Entry>,
}

impl ThreadTable {
    /// A table allowing at most `max_threads` live threads besides the main thread.
    pub fn new(max_threads: usize) -> ThreadTable {
        ThreadTable {
            inner: Mutex::new(Inner { next_tid: abi::MAIN_THREAD_ID + 1, live: 0, entries: HashMap::new() }),
            max_threads,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reserves an id for a new thread, or `ERR_THREAD_LIMIT`.
    pub fn register(&self) -> Result<(i32, Arc<Record>), i32> {
        let mut inner = self.lock();
        if inner.live >= self.max_threads {
            return Err(abi::ERR_THREAD_LIMIT);
        }
        let tid = inner.next_tid;
        inner.next_tid = tid.checked_add(1).ok_or(abi::ERR_THREAD_LIMIT)?;
        inner.live += 1;
        let record = Arc::new(Record { state: Mutex::new(State::Running), done: Condvar::new() });
        inner.entries.insert(tid, Entry { record: Arc::clone(&record), joining: false, detached: false });
        Ok((tid, record))
    }

    /// Undoes `register` for a thread whose OS thread could not be started.
    pub fn unregister(&self, tid: i32) {
        let mut inner = self.lock();
        inner.entries.remove(&tid);
        inner.live -= 1;
    }

    /// Records the end of thread `tid` and wakes its joiner.
    pub fn finish(&self, tid: i32, record: &Record, outcome: Outcome) {
        *record.state() = State::Finished(outcome);
        record.done.notify_all();
        let mut inner = self.lock();
        inner.live -= 1;
        if inner.entries.get(&tid).is_some_and(|e| e.detached) {
            inner.entries.remove(&tid);
        }
    }

    /// Waits for thread `tid` to end and forgets it. Every `patience` of waiting (and whenever
    /// [`ThreadTable::interrupt_joins`] says so) it asks `go_on`, and gives up if it says no.
    ///
    /// # Errors
    /// `ERR_JOIN_SELF`, `ERR_NO_SUCH_THREAD` (unknown, detached or already joined), or
    /// `ERR_ALREADY_JOINED` (another thread is joining it right now); `ERR_INVALID_ARGUMENT` if
    /// it gave up (the thread stays joinable).
    pub fn join(
        &self,
        caller: i32,
        tid: i32,
        patience: std::time::Duration,
        mut go_on: impl FnMut() -> bool,
    ) -> Result<Outcome, i32> {
        if tid == caller {
            return Err(abi::ERR_JOIN_SELF);
        }
        let record = {
            let mut inner = self.lock();
            let entry = inner.entries.get_mut(&tid).filter(|e| !e.detached).ok_or(abi::ERR_NO_SUCH_THREAD)?;
            if entry.joining {
                return Err(abi::ERR_ALREADY_JOINED);
            }
            entry.joining = true;
            Arc::clone(&entry.record)
        };
        let mut state = record.state();
        let outcome = loop {
            match &*state {
                State::Finished(o) => break o.clone(),
                State::Running => {
                    state = record.done.wait_timeout(state, patience).map_or_else(|e| e.into_inner().0, |(s, _)| s);
                    if matches!(*state, State::Running) && !go_on() {
                        drop(state);
                        if let Some(e) = self.lock().entries.get_mut(&tid) {
                            e.joining = false;
                        }
                        return Err(abi::ERR_INVALID_ARGUMENT);
                    }
                }
            }
        };
        drop(state);
        self.lock().entries.remove(&tid);
        Ok(outcome)
    }

    /// Wakes every joiner, so that each asks its `give_up` again.
    pub fn interrupt_joins(&self) {
        let records: Vec<Arc<Record>> = self.lock().entries.values().map(|e| Arc::clone(&e.record)).collect();
        for r in records {
            // Under the record's lock, so that a joiner between its question and its wait
            // cannot miss it.
            let _state = r.state();
            r.done.notify_all();
        }
    }

    /// Marks thread `tid` as never to be joined; its record goes when it ends.
    ///
    /// # Errors
    /// `ERR_NO_SUCH_THREAD` (unknown or already detached), `ERR_ALREADY_JOINED`.
    pub fn detach(&self, tid: i32) -> Result<(), i32> {
        let mut inner = self.lock();
        let entry = inner.entries.get_mut(&tid).filter(|e| !e.detached).ok_or(abi::ERR_NO_SUCH_THREAD)?;
        if entry.joining {
            return Err(abi::ERR_ALREADY_JOINED);
        }
        let finished = matches!(*entry.record.state(), State::Finished(_));
        if finished {
            inner.entries.remove(&tid);
        } else {
            entry.detached = true;
        }
        Ok(())
    }
}
