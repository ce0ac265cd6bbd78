//! Recording events while the program runs: each host thread collects its events in a buffer
//! of its own and hands full buffers, and the buffer of a guest thread that blocks or ended,
//! to the output under one lock (the raw file, or the analysis of `wthreads check`,
//! [`super::analysis`]), so that a run's memory stays bounded and an event costs no lock.

use super::analysis::Feed;
use std::cell::RefCell;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use wthreads_trace::raw::Writer;
use wthreads_trace::{Event, Site};

/// Where a recorder's chunks go, in the order written: the raw file's chunks ([`Writer`]).
pub(crate) trait Output: Send {
    /// The location table.
    fn sites(&mut self, sites: &[Site]) -> io::Result<()>;
    /// A text, before the events that refer to it.
    fn text(&mut self, id: u32, text: &str) -> io::Result<()>;
    /// A block of a thread's items, after its earlier ones.
    fn thread(&mut self, tid: i32, items: &[u8]) -> io::Result<()>;
    /// The end of the run.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

impl Output for Writer {
    fn sites(&mut self, sites: &[Site]) -> io::Result<()> {
        Writer::sites(self, sites)
    }

    fn text(&mut self, id: u32, text: &str) -> io::Result<()> {
        Writer::text(self, id, text)
    }

    fn thread(&mut self, tid: i32, items: &[u8]) -> io::Result<()> {
        Writer::thread(self, tid, items)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        Writer::finish(*self)
    }
}

/// Bytes of items a host thread collects before it writes them out (about 1,500 events, or
/// the accesses of one full buffer).
const BUFFER: usize = 64 << 10;

/// The recorder of one traced run.
pub struct Recorder {
    /// The trace's order counter (the next event's `seq`) once a runtime attached its
    /// memory: the first word of the shared memory that a module instrumented with `--memory`
    /// imports (`abi::TRACE_ORDER_MEMORY`), so that its atomic accesses take their place in the
    /// same order as the host's events; with the engine it belongs to.
    order: OnceLock<(wasmtime::Engine, wasmtime::SharedMemory)>,
    /// The counter before a runtime attached that memory.
    own: AtomicU64,
    /// The next text's id (0 means "no text").
    next_text: AtomicU32,
    /// The clock: the processor's time-stamp counter where it is usable (a few ns a read),
    /// calibrated against the OS's monotonic clock, which a VM may take ~35 ns to read.
    clock: quanta::Clock,
    /// The clock's zero, in its raw units: the first event (the module is compiled by then).
    epoch: OnceLock<u64>,
    out: Mutex<Option<Box<dyn Output>>>,
    /// The analysis the output feeds, which follows the threads' comings, goings and waits.
    feed: Option<Arc<Feed>>,
    /// The first write error; the run goes on, `finish` reports it.
    error: Mutex<Option<io::Error>>,
    /// Whether every memory access is recorded too (`--memory`).
    memory: bool,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("events", &self.seq().load(Ordering::Relaxed)).finish_non_exhaustive()
    }
}

/// A host thread's buffer: the items (`raw`) of one guest thread of one recorder.
struct Buffer {
    recorder: Arc<Recorder>,
    tid: i32,
    items: Vec<u8>,
}

thread_local! {
    static BUFFER_OF_THIS_THREAD: RefCell<Option<Buffer>> = const { RefCell::new(None) };
}

impl Recorder {
    /// A recorder that writes the raw trace to `path`; `memory`: every memory access too.
    ///
    /// # Errors
    /// If the file cannot be created.
    pub fn create(path: &Path, memory: bool) -> io::Result<Arc<Recorder>> {
        Ok(Recorder::new(Box::new(Writer::create(path)?), None, memory))
    }

    /// A recorder that writes to `out`, which feeds `feed` if it is an analysis.
    pub(crate) fn new(out: Box<dyn Output>, feed: Option<Arc<Feed>>, memory: bool) -> Arc<Recorder> {
        Arc::new(Recorder {
            order: OnceLock::new(),
            own: AtomicU64::new(0),
            next_text: AtomicU32::new(1),
            clock: quanta::Clock::new(),
            epoch: OnceLock::new(),
            out: Mutex::new(Some(out)),
            feed,
            error: Mutex::new(None),
            memory,
        })
    }

    /// The shared memory holding the order counter, for the instances of a runtime of `engine`
    /// to import (`abi::TRACE_ORDER_MEMORY`); made on the first call, before anything is recorded.
    ///
    /// # Errors
    /// If the memory cannot be made, or the recorder already records a runtime of another
    /// engine (a recorder records one runtime).
    pub(crate) fn order_memory(&self, engine: &wasmtime::Engine) -> Result<wasmtime::SharedMemory, String> {
        if self.order.get().is_none() {
            let memory = wasmtime::SharedMemory::new(engine, wasmtime::MemoryType::shared(1, 1))
                .map_err(|e| format!("cannot create the trace's order memory: {e}"))?;
            let now = self.own.load(Ordering::SeqCst);
            self.order.set((engine.clone(), memory)).ok();
            self.seq().fetch_max(now, Ordering::SeqCst);
        }
        match self.order.get() {
            Some((e, memory)) if wasmtime::Engine::same(e, engine) => Ok(memory.clone()),
            _ => Err("a trace recorder records one runtime: create a recorder for each".into()),
        }
    }

    /// The order counter.
    fn seq(&self) -> &AtomicU64 {
        match self.order.get() {
            Some((_, memory)) => {
                let word = memory.data()[..8].as_ptr().cast::<AtomicU64>();
                // SAFETY: the memory's base is page-aligned (so 8-aligned) and it has a page (so
                // 8 bytes); it lives as long as `self.order`, and the guest and the host only
                // access this word with atomic instructions (SharedMemory::data's contract).
                unsafe { &*word }
            }
            None => &self.own,
        }
    }

    /// The order counter's value now: the `seq` of the next item to take one.
    pub(crate) fn counter(&self) -> u64 {
        self.seq().load(Ordering::SeqCst)
    }

    /// Whether every memory access is recorded too.
    #[must_use]
    pub fn memory(&self) -> bool {
        self.memory
    }

    fn out(&self) -> MutexGuard<'_, Option<Box<dyn Output>>> {
        self.out.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `write` on the file, keeping the first error.
    fn write(&self, write: impl FnOnce(&mut dyn Output) -> io::Result<()>) {
        if let Some(w) = self.out().as_mut()
            && let Err(e) = write(&mut **w)
        {
            self.error.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(e);
        }
    }

    /// Writes the location table of the instrumented module.
    pub fn sites(&self, sites: &[Site]) {
        self.write(|w| w.sites(sites));
    }

    /// Records an event of guest thread `tid` on the calling host thread, with a text (a
    /// thread's name, an exit message) if it has one. Its `seq` is taken now: an event recorded
    /// before a release is ordered before the acquire that follows it.
    pub fn record(self: &Arc<Self>, tid: i32, kind: i32, (a, b, c): (u32, u32, i64), site: u32, text: Option<&str>) {
        let text = text.map_or(0, |t| {
            let id = self.next_text.fetch_add(1, Ordering::Relaxed);
            self.write(|w| w.text(id, t));
            id
        });
        let seq = self.seq().fetch_add(1, Ordering::SeqCst);
        let ts_ns = self.now();
        let event = Event { seq, ts_ns, kind, a, b, c, site, text };
        self.with_buffer(tid, |items| event.encode(items));
    }

    /// Records the accesses a thread's buffer holds (`slots`, as recorded), which precede the
    /// thread's next event.
    pub fn accesses(self: &Arc<Self>, tid: i32, slots: &[u8]) {
        // No event of this thread can take this place in the order before its next one.
        let seq = self.seq().load(Ordering::SeqCst);
        let ts_ns = self.now();
        self.with_buffer(tid, |items| wthreads_trace::raw::encode_accesses(seq, ts_ns, slots, items));
    }

    /// Nanoseconds since the first event.
    fn now(&self) -> u64 {
        let now = self.clock.raw();
        self.clock.delta_as_nanos(*self.epoch.get_or_init(|| now), now)
    }

    /// Appends to the calling host thread's buffer for guest thread `tid`, writing it out
    /// when it is full (and a buffer of another thread or recorder first).
    fn with_buffer(self: &Arc<Self>, tid: i32, append: impl FnOnce(&mut Vec<u8>)) {
        BUFFER_OF_THIS_THREAD.with_borrow_mut(|slot| {
            let mine = slot.as_ref().is_some_and(|b| Arc::ptr_eq(&b.recorder, self) && b.tid == tid);
            if !mine {
                if let Some(old) = slot.take() {
                    old.recorder.write_out(old.tid, &old.items);
                }
                *slot = Some(Buffer { recorder: Arc::clone(self), tid, items: Vec::with_capacity(BUFFER) });
            }
            let Some(buf) = slot.as_mut() else { return };
            append(&mut buf.items);
            if buf.items.len() >= BUFFER {
                self.write_out(tid, &buf.items);
                buf.items.clear();
            }
        });
    }

    fn write_out(&self, tid: i32, items: &[u8]) {
        if !items.is_empty() {
            self.write(|w| w.thread(tid, items));
        }
    }

    /// Writes out the calling host thread's buffer (when its guest thread ended).
    pub fn flush_this_thread(&self) {
        BUFFER_OF_THIS_THREAD.with_borrow_mut(|slot| {
            if let Some(b) = slot.take() {
                b.recorder.write_out(b.tid, &b.items);
            }
        });
    }

    /// Guest thread `tid` is about to run (before it can take a `seq`): the analysis waits
    /// for its items from now on.
    pub(crate) fn enter(&self, tid: i32) {
        if let Some(feed) = &self.feed {
            feed.enter(tid, self.counter());
        }
    }

    /// The thread of the calling host thread, guest thread `tid`, blocks: its items are
    /// written out, and until [`Recorder::unblock`] it takes no `seq`.
    pub(crate) fn block(&self, tid: i32) {
        self.flush_this_thread();
        if let Some(feed) = &self.feed {
            feed.block(tid);
        }
    }

    /// Guest thread `tid` no longer blocks: called before it can take a `seq`.
    pub(crate) fn unblock(&self, tid: i32) {
        if let Some(feed) = &self.feed {
            feed.unblock(tid, self.counter());
        }
    }

    /// Guest thread `tid` ended, or never started: it hands over nothing more (its items are
    /// written out first).
    pub(crate) fn leave(&self, tid: i32) {
        if let Some(feed) = &self.feed {
            feed.leave(tid);
        }
    }

    /// Ends the trace: writes the END mark and closes the file. Threads still running are not
    /// waited for; events they had not written out are missing (docs/trace.md).
    ///
    /// # Errors
    /// The first error writing the trace.
    pub fn finish(&self) -> io::Result<()> {
        self.flush_this_thread();
        let w = self.out().take();
        let finished = w.map_or(Ok(()), Output::finish);
        match self.error.lock().unwrap_or_else(PoisonError::into_inner).take() {
            Some(e) => Err(e),
            None => finished,
        }
    }
}
