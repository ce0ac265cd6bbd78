//! The check of a run going on, for a host that sees the run's threads only through the trace
//! (the web runtime's page: its workers' chunks reach it as messages, some of them late). It is
//! fed the raw chunks as the recorder writes them, and learns from them which threads may still
//! hand over items, and from which place on ([`Threads`]); at each step the host adds what
//! only it knows: the order counter's value, and of the threads with everything they recorded
//! already fed, those that block and the counter from which those that run again take their
//! places (docs/check.md, "When a report comes").

use super::Event;
use super::check::{Findings, Ongoing};
use super::items::{self, Place};
use super::raw::{self, EVENT_SIZE, ITEM_EVENT, u32_at};
use rustc_hash::{FxHashMap, FxHashSet};
use std::io::{self, Write};
use wthreads::abi;

/// The threads of a run as its trace shows them: those that may still hand over items, each
/// with the place its next items come at or after.
#[derive(Debug)]
pub struct Threads {
    /// Threads not known to have ended: the main thread from the start, each other from the
    /// first block that names it (its spawner's, or its own).
    live: FxHashMap<i32, Place>,
    /// Threads whose end was fed (thread ids are never reused).
    ended: FxHashSet<i32>,
}

impl Default for Threads {
    fn default() -> Threads {
        let mut live = FxHashMap::default();
        live.insert(abi::MAIN_THREAD_ID, Place::read(0));
        Threads { live, ended: FxHashSet::default() }
    }
}

impl Threads {
    /// The main thread, before anything was fed.
    #[must_use]
    pub fn new() -> Threads {
        Threads::default()
    }

    /// Takes in thread `tid`'s next block of `items`. A thread it spawns takes no place before
    /// its spawn; the thread's next items come after the block's end. Returns whether the
    /// thread ended with it.
    pub fn block(&mut self, tid: i32, items: &[u8]) -> bool {
        let mut i = 0;
        while i < items.len() {
            if items[i] == ITEM_EVENT
                && let Some(b) = items.get(i + 1..i + 1 + EVENT_SIZE)
            {
                let e = Event::decode(b);
                match e.kind & abi::EVENT_MASK {
                    abi::THREAD_SPAWN if !self.ended.contains(&e.a.cast_signed()) => {
                        self.live.entry(e.a.cast_signed()).or_insert(Place::taken(e.seq));
                    }
                    abi::THREAD_EXIT => {
                        self.live.remove(&tid);
                        self.ended.insert(tid);
                        return true;
                    }
                    _ => {}
                }
            }
            i += items::size(&items[i..]).unwrap_or(items.len());
        }
        if let Some(end) = items::end(items)
            && !self.ended.contains(&tid)
        {
            let floor = self.live.entry(tid).or_insert(end);
            *floor = end.max(*floor);
        }
        false
    }

    /// The horizon once the order counter was read as `counter`, and then, of the threads with
    /// everything they recorded fed, those in `idle` were seen blocking (they take no place
    /// before `counter` until they run again) and those in `since` running again, each taking
    /// no place before its counter value. Any other thread's next items come after its place.
    #[must_use]
    pub fn horizon(&self, counter: u64, idle: &[i32], since: &[(i32, u64)]) -> Place {
        let counter = Place::read(counter);
        let idle: FxHashSet<i32> = idle.iter().copied().collect();
        let since: FxHashMap<i32, Place> = since.iter().map(|&(tid, c)| (tid, Place::read(c))).collect();
        self.live
            .iter()
            .filter(|(tid, _)| !idle.contains(tid))
            .map(|(tid, place)| since.get(tid).map_or(*place, |s| (*s).max(*place)))
            .fold(counter, Place::min)
    }
}

/// A check of a run going on, fed the raw chunks the run's recorder writes.
#[derive(Default)]
pub struct Fed {
    check: Ongoing,
    threads: Threads,
}

impl Fed {
    /// Nothing fed yet.
    #[must_use]
    pub fn new() -> Fed {
        Fed::default()
    }

    /// Takes in whole chunks of the raw format, as the recorder writes them (the file's magic,
    /// if it is there, and END are passed over: the host knows when the run ended).
    ///
    /// # Errors
    /// If the bytes are not whole chunks of the raw format.
    pub fn feed(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("not raw trace chunks: {what}"));
        if let Some(rest) = bytes.strip_prefix(raw::MAGIC.as_slice()) {
            bytes = rest;
        }
        let stream = &mut self.check.stream;
        while !bytes.is_empty() {
            let (tag, len) = (u32_at(bytes, 0), u32_at(bytes, 4) as usize);
            let payload = bytes.get(8..8 + len).ok_or_else(|| bad("a chunk cut short"))?;
            match tag {
                raw::THREAD if len >= 4 => {
                    let (tid, items) = (u32_at(payload, 0).cast_signed(), &payload[4..]);
                    let ended = self.threads.block(tid, items);
                    stream.block(tid, items.to_vec());
                    if ended {
                        stream.ended(tid);
                    }
                }
                raw::TEXT if len >= 4 => {
                    stream.texts.insert(u32_at(payload, 0), String::from_utf8_lossy(&payload[4..]).into_owned());
                }
                raw::SITES => stream.sites = raw::decode_sites(payload).ok_or_else(|| bad("a short site table"))?,
                raw::END => {}
                _ => return Err(bad(&format!("chunk {tag} of {len} bytes"))),
            }
            bytes = &bytes[8 + len..];
        }
        Ok(())
    }

    /// Checks what was fed up to the horizon ([`Threads::horizon`] of `counter`, `idle` and
    /// `since`), writing the reports of the races found to `out`.
    ///
    /// # Errors
    /// If `out` cannot be written.
    pub fn advance(&mut self, counter: u64, idle: &[i32], since: &[(i32, u64)], out: &mut dyn Write) -> io::Result<()> {
        self.check.advance(self.threads.horizon(counter, idle, since), out)
    }

    /// Ends the check once the run ended and everything was fed ([`Ongoing::finish`]).
    ///
    /// # Errors
    /// As [`Ongoing::finish`].
    pub fn finish(self, out: &mut dyn Write) -> io::Result<Findings> {
        self.check.finish(out)
    }
}
