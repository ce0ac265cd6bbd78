//! Parked host threads that run guest threads one after another.
//!
//! Creating an OS thread, a `Store` and an instance costs tens of microseconds; handing a
//! parked thread its next guest thread costs one wake-up. When a guest thread ends, its host
//! thread parks here with its instance (threadify's `wthreads_thread_start` resets the
//! per-instance state), and the next `thread_spawn` takes it. At most `max_idle` host
//! threads are parked; one that stays idle for [`IDLE_TIMEOUT`] exits, and closing the pool
//! (when the embedder drops the main thread) lets every parked one exit.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a host thread stays parked without work before it exits.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// One parked host thread's mailbox.
#[derive(Debug)]
pub struct Parked<J> {
    job: Mutex<Option<J>>,
    ready: Condvar,
}

impl<J> Parked<J> {
    fn job(&self) -> MutexGuard<'_, Option<J>> {
        self.job.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Debug)]
struct State<J> {
    idle: Vec<Arc<Parked<J>>>,
    closed: bool,
}

/// The parked host threads of one runtime; `J` is the work a guest thread needs.
#[derive(Debug)]
pub struct Pool<J> {
    state: Mutex<State<J>>,
    max_idle: usize,
}

impl<J> Pool<J> {
    /// A pool that keeps at most `max_idle` threads parked.
    pub fn new(max_idle: usize) -> Pool<J> {
        Pool { state: Mutex::new(State { idle: Vec::new(), closed: false }), max_idle }
    }

    fn state(&self) -> MutexGuard<'_, State<J>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many threads are parked now.
    pub fn idle(&self) -> usize {
        self.state().idle.len()
    }

    /// Gives `job` to a parked thread, or returns it when none is parked (the caller starts
    /// a new thread for it).
    ///
    /// # Errors
    /// The job itself, when no thread is parked.
    pub fn hand_over(&self, job: J) -> Result<(), J> {
        let Some(parked) = self.state().idle.pop() else { return Err(job) };
        *parked.job() = Some(job);
        parked.ready.notify_one();
        Ok(())
    }

    /// A new mailbox for a thread that will [`park`](Pool::park) here.
    pub fn mailbox() -> Arc<Parked<J>> {
        Arc::new(Parked { job: Mutex::new(None), ready: Condvar::new() })
    }

    /// Puts the calling thread (whose mailbox is `me`) on the idle list, before it reports the
    /// end of its guest thread, so a spawn that follows a join finds it. `false`: the thread
    /// should exit instead (the pool is closed or full).
    pub fn offer(&self, me: &Arc<Parked<J>>) -> bool {
        let mut state = self.state();
        if state.closed || state.idle.len() >= self.max_idle {
            return false;
        }
        state.idle.push(Arc::clone(me));
        true
    }

    /// After [`offer`](Pool::offer): parks until a job comes. `None`: the thread should exit
    /// (nothing came within [`IDLE_TIMEOUT`]).
    pub fn wait(&self, me: &Arc<Parked<J>>) -> Option<J> {
        let mut job = me.job();
        loop {
            if let Some(j) = job.take() {
                return Some(j);
            }
            let (guard, timeout) = me.ready.wait_timeout(job, IDLE_TIMEOUT).unwrap_or_else(PoisonError::into_inner);
            job = guard;
            if timeout.timed_out() && job.is_none() {
                // Leave, unless a spawner has already taken this thread off the list: then
                // its job is on the way and must be run.
                let mut state = self.state();
                if let Some(at) = state.idle.iter().position(|p| Arc::ptr_eq(p, me)) {
                    state.idle.swap_remove(at);
                    return None;
                }
            }
        }
    }

    /// [`offer`](Pool::offer) then [`wait`](Pool::wait).
    #[cfg(test)]
    pub fn park(&self, me: &Arc<Parked<J>>) -> Option<J> {
        if self.offer(me) { self.wait(me) } else { None }
    }

    /// Lets every parked thread exit and keeps threads that finish from parking.
    pub fn close(&self)
    where
        J: Closing,
    {
        let idle = {
            let mut state = self.state();
            state.closed = true;
            std::mem::take(&mut state.idle)
        };
        for parked in idle {
            *parked.job() = Some(J::EXIT);
            parked.ready.notify_one();
        }
    }
}

/// A job type with a "leave now" value, given to parked threads when the pool closes.
pub trait Closing {
    /// The job that makes a parked thread exit.
    const EXIT: Self;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Job {
        Work(u32),
        Exit,
    }
    impl Closing for Job {
        const EXIT: Job = Job::Exit;
    }

    #[test]
    fn hands_jobs_to_parked_threads_and_closes() {
        let pool = Arc::new(Pool::<Job>::new(2));
        assert_eq!(pool.hand_over(Job::Work(0)), Err(Job::Work(0)), "nobody parked yet");
        let worker = {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || {
                let me = Pool::mailbox();
                let mut seen = Vec::new();
                while let Some(Job::Work(n)) = pool.park(&me) {
                    seen.push(n);
                }
                seen
            })
        };
        for n in 1..=3 {
            let mut job = Job::Work(n);
            while let Err(back) = pool.hand_over(job) {
                job = back;
                std::thread::yield_now();
            }
        }
        while pool.idle() == 0 {
            std::thread::yield_now();
        }
        pool.close();
        assert_eq!(worker.join().unwrap(), [1, 2, 3]);
        let me = Pool::mailbox();
        assert_eq!(pool.park(&me), None, "a closed pool parks nobody");
    }

    #[test]
    fn parks_at_most_max_idle() {
        let pool = Pool::<Job>::new(0);
        assert_eq!(pool.park(&Pool::mailbox()), None);
    }
}
