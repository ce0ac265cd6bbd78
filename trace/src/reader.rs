//! Reading a raw trace ([`super::raw`]): the texts and sites in memory, each thread's blocks by
//! file position, and every thread's items merged in the trace's one order ([`super::items`]),
//! a block of each thread at a time.

use super::items::{self, Place};
use super::raw::{self, u32_at};
use super::{Event, NO_SITE, Site};
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Where a raw trace's bytes are read from: a file, or what a host without files reads them
/// from (the web runtime's tool module reads them through its imports).
pub trait Source {
    /// The trace's length in bytes.
    ///
    /// # Errors
    /// If it cannot be known.
    fn size(&self) -> io::Result<u64>;

    /// Fills `buf` with the bytes at `offset`.
    ///
    /// # Errors
    /// If they cannot be read (past the end too).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
}

impl Source for File {
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let mut file = self;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buf)
    }
}

/// A raw trace opened for reading.
pub struct Trace {
    source: Box<dyn Source>,
    /// Each thread's blocks: (file offset of the first item, bytes).
    blocks: BTreeMap<i32, Vec<(u64, usize)>>,
    /// The texts by id.
    pub texts: HashMap<u32, String>,
    /// The location table.
    pub sites: Vec<Site>,
    /// Whether the trace ends with END (else the run was cut short).
    pub complete: bool,
}

/// A malformed raw trace.
fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("not a wthreads raw trace: {what}"))
}

impl Trace {
    /// Opens a raw trace and indexes it.
    ///
    /// # Errors
    /// If the file cannot be read or is not a raw trace of this version.
    pub fn open(path: &Path) -> io::Result<Trace> {
        Trace::read(Box::new(File::open(path)?))
    }

    /// Reads a raw trace from `source` and indexes it.
    ///
    /// # Errors
    /// If it cannot be read or is not a raw trace of this version.
    pub fn read(source: Box<dyn Source>) -> io::Result<Trace> {
        let end = source.size()?;
        let mut magic = [0u8; 8];
        source.read_at(&mut magic, 0).map_err(|_| bad("shorter than its header"))?;
        if &magic != raw::MAGIC {
            return Err(bad("wrong header (another format, or another version of it)"));
        }
        let mut trace =
            Trace { source, blocks: BTreeMap::new(), texts: HashMap::new(), sites: Vec::new(), complete: false };
        let mut at = raw::MAGIC.len() as u64;
        while at + 8 <= end {
            let mut head = [0u8; 8];
            trace.source.read_at(&mut head, at)?;
            let (tag, len) = (u32_at(&head, 0), u64::from(u32_at(&head, 4)));
            let body = at + 8;
            if body + len > end {
                break; // a chunk cut off by the end of the run: the trace is incomplete
            }
            let size = usize::try_from(len).map_err(|_| bad("huge chunk"))?;
            match tag {
                raw::THREAD => {
                    let mut tid = [0u8; 4];
                    trace.source.read_at(&mut tid, body)?;
                    trace.blocks.entry(i32::from_le_bytes(tid)).or_default().push((body + 4, size.saturating_sub(4)));
                }
                raw::TEXT | raw::SITES => {
                    let mut p = vec![0u8; size];
                    trace.source.read_at(&mut p, body)?;
                    if tag == raw::TEXT {
                        let text = String::from_utf8_lossy(p.get(4..).ok_or_else(|| bad("short text"))?).into_owned();
                        trace.texts.insert(u32_at(&p, 0), text);
                    } else {
                        trace.sites = raw::decode_sites(&p).ok_or_else(|| bad("short site table"))?;
                    }
                }
                raw::END => trace.complete = true,
                _ => return Err(bad(&format!("unknown chunk {tag}"))),
            }
            at = body + len;
        }
        Ok(trace)
    }

    /// Copies the trace's bytes, as read, to `out`.
    ///
    /// # Errors
    /// If they cannot be read or written.
    pub fn copy_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let (end, mut at) = (self.source.size()?, 0);
        let mut buf = vec![0u8; 1 << 16];
        while at < end {
            let n = usize::try_from((end - at).min(buf.len() as u64)).unwrap_or(buf.len());
            self.source.read_at(&mut buf[..n], at)?;
            out.write_all(&buf[..n])?;
            at += n as u64;
        }
        Ok(())
    }

    /// The threads that have events, in id order.
    pub fn threads(&self) -> impl Iterator<Item = i32> + '_ {
        self.blocks.keys().copied()
    }

    /// Every event of every thread in the order of their `seq` (the trace's one total order:
    /// an atomic read side and a plain access come before the item whose seq is theirs, see
    /// `raw`). A thread's block is held decoded only from when its first event comes up to its
    /// last, so a trace of many threads that ran one after another is read a few blocks at a
    /// time, not all its threads' first blocks at once.
    pub fn merged(&self) -> Merged<'_> {
        let mut cursors: Vec<Cursor> = self.blocks.iter().map(|(tid, b)| Cursor::new(*tid, b.clone())).collect();
        let mut heap = BinaryHeap::new();
        for (i, c) in cursors.iter_mut().enumerate() {
            if let Some(place) = c.glance(self) {
                heap.push(std::cmp::Reverse((place, i)));
            }
        }
        Merged { trace: self, cursors, heap }
    }

    /// The text an event refers to (`text` 0: none).
    pub fn text(&self, id: u32) -> Option<&str> {
        if id == 0 { None } else { self.texts.get(&id).map(String::as_str) }
    }

    /// The site of an event, if it has one in the table.
    pub fn site(&self, site: u32) -> Option<&Site> {
        if site == NO_SITE { None } else { self.sites.get(site as usize) }
    }
}

/// One thread's position in its blocks.
struct Cursor {
    tid: i32,
    blocks: Vec<(u64, usize)>,
    next_block: usize,
    events: VecDeque<(Place, Event)>,
}

impl Cursor {
    fn new(tid: i32, blocks: Vec<(u64, usize)>) -> Cursor {
        Cursor { tid, blocks, next_block: 0, events: VecDeque::new() }
    }

    /// The place of the thread's next event, its block decoded and kept.
    fn peek(&mut self, trace: &Trace) -> Option<Place> {
        while self.events.is_empty() {
            self.load(trace)?;
        }
        self.events.front().map(|(place, _)| *place)
    }

    /// The place of the thread's next event, its block decoded but not kept (`peek` decodes it
    /// again when its turn comes).
    fn glance(&mut self, trace: &Trace) -> Option<Place> {
        let place = self.peek(trace);
        if place.is_some() {
            self.events = VecDeque::new();
            self.next_block -= 1;
        }
        place
    }

    /// Decodes the next block into `events` and moves past it.
    fn load(&mut self, trace: &Trace) -> Option<()> {
        let (start, len) = *self.blocks.get(self.next_block)?;
        self.next_block += 1;
        let mut items = vec![0u8; len];
        trace.source.read_at(&mut items, start).ok()?;
        items::decode(&trace.sites, &items, &mut self.events);
        Some(())
    }
}

/// [`Trace::merged`]'s iterator: `(tid, event)` in `seq` order.
pub struct Merged<'t> {
    trace: &'t Trace,
    cursors: Vec<Cursor>,
    heap: BinaryHeap<std::cmp::Reverse<(Place, usize)>>,
}

impl Iterator for Merged<'_> {
    type Item = (i32, Event);

    fn next(&mut self) -> Option<(i32, Event)> {
        // The thread whose event is first stays at the heap's top while its next events come
        // before every other thread's: it is replaced there, not popped and pushed.
        let std::cmp::Reverse((_, i)) = *self.heap.peek()?;
        let c = &mut self.cursors[i];
        c.peek(self.trace)?;
        let (_, e) = c.events.pop_front()?;
        match c.peek(self.trace) {
            Some(next) => {
                if let Some(mut top) = self.heap.peek_mut() {
                    *top = std::cmp::Reverse((next, i));
                }
            }
            None => {
                self.heap.pop();
                c.events = VecDeque::new(); // the thread's last block: its memory goes now
            }
        }
        Some((c.tid, e))
    }
}
