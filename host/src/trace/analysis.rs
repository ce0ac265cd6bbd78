//! `wthreads check`'s analysis while the program runs: the recorder hands each block of a
//! thread's items to the [`Feed`] instead of a file, and an analysis thread takes them in the
//! trace's order ([`wthreads_trace::live`]) and reports each finding as it is found.
//!
//! An item may be analysed once no thread can still hand over one that comes before it: the
//! *horizon*, the least of these bounds (docs/check.md):
//! - a thread that runs hands over its items in order, so its next ones come at or after the
//!   end of the last block it handed over ([`items::end`]), or after the counter's value when
//!   it entered, if it handed over none;
//! - a thread that blocks has handed over everything, and takes no `seq` until it no longer
//!   blocks: as the analysis reads the counter before it looks at the threads, its later items
//!   come after that value;
//! - a thread that ended hands over nothing more, and one that has not entered yet will take
//!   its first `seq` after that value too.

use super::recorder::{Output, Recorder};
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use wthreads_trace::Site;
use wthreads_trace::check::{Findings, Ongoing};
use wthreads_trace::items::{self, Place};

/// What the recorder hands over, and what it knows of the threads.
#[derive(Default)]
pub(crate) struct Feed {
    state: Mutex<State>,
    /// Signalled when there is something new to take.
    news: Condvar,
}

#[derive(Default)]
struct State {
    handed: Vec<Handed>,
    /// The threads that entered and have not left.
    threads: HashMap<i32, Presence>,
    /// The threads that left since the analysis last took.
    left: Vec<i32>,
    /// Something changed since the analysis last took.
    new: bool,
    /// The run ended.
    finished: bool,
}

/// A chunk handed over.
enum Handed {
    Sites(Vec<Site>),
    Text(u32, String),
    Block(i32, Vec<u8>),
}

#[derive(Debug, Clone, Copy)]
enum Presence {
    /// It runs: its next items come at or after this place.
    Runs(Place),
    /// It blocks, with all its items handed over.
    Blocks,
}

/// What the analysis takes at once.
struct Taken {
    handed: Vec<Handed>,
    left: Vec<i32>,
    horizon: Place,
}

impl Feed {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the state and tells the analysis.
    fn change(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.state();
        change(&mut state);
        state.new = true;
        self.news.notify_one();
    }

    /// Thread `tid` enters, when the order counter is at `counter` or past it.
    pub(crate) fn enter(&self, tid: i32, counter: u64) {
        self.change(|s| {
            s.threads.insert(tid, Presence::Runs(Place::read(counter)));
        });
    }

    /// Thread `tid` blocks, with everything it recorded handed over.
    pub(crate) fn block(&self, tid: i32) {
        self.change(|s| {
            if let Some(p) = s.threads.get_mut(&tid) {
                *p = Presence::Blocks;
            }
        });
    }

    /// Thread `tid` runs again, before it takes a `seq`: the counter is at `counter` or past it.
    pub(crate) fn unblock(&self, tid: i32, counter: u64) {
        let mut state = self.state();
        if let Some(p) = state.threads.get_mut(&tid) {
            *p = Presence::Runs(Place::read(counter));
        }
    }

    /// Thread `tid` ended (or never started), with everything it recorded handed over.
    pub(crate) fn leave(&self, tid: i32) {
        self.change(|s| {
            if s.threads.remove(&tid).is_some() {
                s.left.push(tid);
            }
        });
    }

    /// Waits until there is something new, or `patience` passed, then takes what was handed
    /// over with the horizon that holds now; `None` once the run ended and all is taken.
    fn take(&self, counter: impl FnOnce() -> u64, patience: Duration) -> Option<Taken> {
        let mut state = self.state();
        if !state.new && !state.finished {
            state = self.news.wait_timeout(state, patience).unwrap_or_else(PoisonError::into_inner).0;
        }
        drop(state);
        // Read before the threads are looked at (the horizon's second rule).
        let counter = Place::read(counter());
        let mut state = self.state();
        if state.finished && state.handed.is_empty() && state.left.is_empty() && !state.new {
            return None;
        }
        state.new = false;
        let horizon = if state.finished {
            Place::END
        } else {
            let bound = |p: &Presence| match *p {
                Presence::Runs(place) => place,
                Presence::Blocks => counter,
            };
            state.threads.values().map(bound).fold(counter, Place::min)
        };
        Some(Taken { handed: std::mem::take(&mut state.handed), left: std::mem::take(&mut state.left), horizon })
    }
}

/// The analysis's end of the recorder's output.
struct Handover(Arc<Feed>);

impl Output for Handover {
    fn sites(&mut self, sites: &[Site]) -> io::Result<()> {
        self.0.change(|s| s.handed.push(Handed::Sites(sites.to_vec())));
        Ok(())
    }

    fn text(&mut self, id: u32, text: &str) -> io::Result<()> {
        self.0.change(|s| s.handed.push(Handed::Text(id, text.to_string())));
        Ok(())
    }

    fn thread(&mut self, tid: i32, items: &[u8]) -> io::Result<()> {
        let end = items::end(items);
        self.0.change(|s| {
            if let (Some(Presence::Runs(floor)), Some(end)) = (s.threads.get_mut(&tid), end) {
                *floor = end.max(*floor);
            }
            s.handed.push(Handed::Block(tid, items.to_vec()));
        });
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.0.change(|s| s.finished = true);
        Ok(())
    }
}

/// The analysis of a `wthreads check` run, on a thread of its own.
#[derive(Debug)]
pub struct Analysis {
    recorder: Arc<Recorder>,
    thread: std::thread::JoinHandle<io::Result<Findings>>,
}

/// How long the analysis waits for news before it looks at the threads again.
const PATIENCE: Duration = Duration::from_millis(100);

impl Analysis {
    /// Starts the analysis of a run, which writes its reports to `out`; the run is to be
    /// recorded by [`Analysis::recorder`] (every memory access too).
    ///
    /// # Errors
    /// If its thread cannot be started.
    pub fn start(mut out: Box<dyn Write + Send>) -> io::Result<Analysis> {
        let feed = Arc::new(Feed::default());
        let recorder = Recorder::new(Box::new(Handover(Arc::clone(&feed))), Some(Arc::clone(&feed)), true);
        let counter = Arc::clone(&recorder);
        let thread = std::thread::Builder::new()
            .name("wthreads-check".into())
            .spawn(move || analyse(&feed, || counter.counter(), &mut *out))?;
        Ok(Analysis { recorder, thread })
    }

    /// The recorder of the run to analyse.
    #[must_use]
    pub fn recorder(&self) -> &Arc<Recorder> {
        &self.recorder
    }

    /// Ends the run's record and waits for the analysis of the rest of it: the findings that
    /// only the whole run shows are reported then.
    ///
    /// # Errors
    /// If the reports cannot be written, or the analysis failed.
    pub fn finish(self) -> io::Result<Findings> {
        let finished = self.recorder.finish();
        let analysed = self.thread.join().unwrap_or_else(|_| Err(io::Error::other("the analysis failed")));
        finished.and(analysed)
    }
}

/// The analysis thread: takes what the run hands over and checks it up to the horizon.
fn analyse(feed: &Feed, counter: impl Fn() -> u64, out: &mut dyn Write) -> io::Result<Findings> {
    let mut check = Ongoing::new();
    while let Some(taken) = feed.take(&counter, PATIENCE) {
        let stream = &mut check.stream;
        for handed in taken.handed {
            match handed {
                Handed::Sites(sites) => stream.sites = sites,
                Handed::Text(id, text) => {
                    stream.texts.insert(id, text);
                }
                Handed::Block(tid, items) => stream.block(tid, items),
            }
        }
        for tid in taken.left {
            stream.ended(tid);
        }
        check.advance(taken.horizon, out)?;
        out.flush()?;
    }
    check.finish(out)
}
