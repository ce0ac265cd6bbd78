//! The trace of a run that is still going, for analysing it as it runs (`wthreads check`): the
//! recorder hands over each block of a thread's items as it writes it out, and the events come
//! out in the trace's one order, those below a *horizon* the host gives: a place that no item
//! handed over later can come before. The order is the one [`super::reader::Trace::merged`]
//! gives for the whole trace; the host's part is to give a true horizon (docs/check.md).

use super::items::{self, Place};
use super::{Event, Site};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// The items handed over so far, those not taken yet waiting for the horizon: as handed over,
/// but for each thread's next block, which is decoded.
#[derive(Default)]
pub struct Stream {
    /// The location table (handed over before any block).
    pub sites: Vec<Site>,
    /// The texts by id (each handed over before the event that refers to it).
    pub texts: HashMap<u32, String>,
    threads: FxHashMap<i32, Queue>,
    /// The threads whose queues hold events, by the place of their first (then by thread id,
    /// as the file's reader breaks ties).
    fronts: BinaryHeap<Reverse<(Place, i32)>>,
    /// The place of the last event taken.
    taken: Option<Place>,
    /// Events handed over after an event that comes after them was taken: a horizon that was
    /// not true (a bug of the host's).
    late: usize,
}

/// One thread's items not taken yet.
#[derive(Default)]
struct Queue {
    /// The events of its next block.
    events: VecDeque<(Place, Event)>,
    /// Its blocks after that one.
    blocks: VecDeque<Vec<u8>>,
    /// The thread ended: its queue goes once it is empty.
    ended: bool,
}

impl Stream {
    /// A stream with nothing handed over.
    #[must_use]
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Takes in a block of thread `tid`'s items, the next of its blocks.
    pub fn block(&mut self, tid: i32, items: Vec<u8>) {
        let queue = self.threads.entry(tid).or_default();
        queue.blocks.push_back(items);
        if queue.events.is_empty() {
            self.advance(tid);
        }
    }

    /// Decodes thread `tid`'s next block if its events are all taken, and puts it among the
    /// fronts (or forgets the thread if it ended and has nothing left).
    fn advance(&mut self, tid: i32) {
        let Some(queue) = self.threads.get_mut(&tid) else { return };
        while queue.events.is_empty()
            && let Some(block) = queue.blocks.pop_front()
        {
            items::decode(&self.sites, &block, &mut queue.events);
        }
        match queue.events.front() {
            Some((place, _)) => self.fronts.push(Reverse((*place, tid))),
            None if queue.ended => {
                self.threads.remove(&tid);
            }
            None => {}
        }
    }

    /// Takes in that thread `tid` ended (it hands over nothing more): it is forgotten once its
    /// events are taken.
    pub fn ended(&mut self, tid: i32) {
        if let Some(queue) = self.threads.get_mut(&tid) {
            queue.ended = true;
            if queue.events.is_empty() && queue.blocks.is_empty() {
                self.threads.remove(&tid);
            }
        }
    }

    /// How many events were taken after an event that comes after them (0 unless a horizon
    /// given was not true).
    #[must_use]
    pub fn late(&self) -> usize {
        self.late
    }

    /// The next event in the trace's order, if it comes before `horizon`.
    pub fn next_before(&mut self, horizon: Place) -> Option<(i32, Event)> {
        let tid = self.next_thread(horizon)?;
        let event = self.threads.get(&tid).and_then(|q| q.events.front()).map(|(_, e)| *e);
        self.pop(tid);
        Some((tid, event?))
    }

    /// Hands each event that comes before `horizon` to `f`, in the trace's order, with the
    /// location table and the event's text, if it has one: as [`next_before`](Self::next_before)
    /// would return them, but in place, where they were decoded. Stops at `f`'s first error.
    ///
    /// # Errors
    /// `f`'s.
    pub fn each_before<E>(
        &mut self,
        horizon: Place,
        mut f: impl FnMut(i32, &Event, &[Site], Option<&str>) -> Result<(), E>,
    ) -> Result<(), E> {
        while let Some(tid) = self.next_thread(horizon) {
            let front = self.threads.get(&tid).and_then(|q| q.events.front());
            let result = front.map_or(Ok(()), |(_, e)| {
                // Text 0 is none: most events have none, and need no lookup.
                let text = if e.text == 0 { None } else { self.texts.get(&e.text).map(String::as_str) };
                f(tid, e, &self.sites, text)
            });
            self.pop(tid);
            result?;
        }
        Ok(())
    }

    /// The thread whose first event comes next in the trace's order, if it comes before
    /// `horizon`; that event counts as taken.
    fn next_thread(&mut self, horizon: Place) -> Option<i32> {
        let Reverse((place, tid)) = *self.fronts.peek()?;
        if place >= horizon {
            return None;
        }
        if self.taken.is_some_and(|taken| place < taken) {
            self.late += 1;
        }
        self.taken = Some(place);
        Some(tid)
    }

    /// Drops the first event of thread `tid`, the [`next_thread`](Self::next_thread).
    fn pop(&mut self, tid: i32) {
        let Some(mut top) = self.fronts.peek_mut() else { return };
        let next = self.threads.get_mut(&tid).and_then(|queue| {
            queue.events.pop_front();
            queue.events.front().map(|(next, _)| *next)
        });
        match next {
            // A thread whose next event still comes first stays at the top: replaced there,
            // not popped and pushed.
            Some(next) => *top = Reverse((next, tid)),
            None => {
                std::collections::binary_heap::PeekMut::pop(top);
                self.advance(tid);
            }
        }
    }
}
