//! The raw trace file (`docs/trace.md`, "raw"): what the recorder writes while the program runs
//! and what every other format is made from. All integers are little-endian.
//!
//! ```text
//! file   = MAGIC chunk*
//! chunk  = tag: u32, len: u32, payload: [u8; len]
//! EVENTS = tid: i32, event*            (EVENT_SIZE bytes each, in the thread's order)
//! TEXT   = id: u32, utf-8 bytes        (a thread's name, an exit message)
//! SITES  = (func: u32, offset: u32, name_len: u32, name)*   (site i is the i-th entry)
//! END    = (empty)                      (the run ended and every thread's events are in)
//! ```

use super::{Event, Site};
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The first bytes of a raw trace: the format's name and version.
pub const MAGIC: &[u8; 8] = b"WTRACE01";
/// Chunk tag: a block of one thread's events.
const EVENTS: u32 = 1;
/// Chunk tag: a text that events refer to.
const TEXT: u32 = 2;
/// Chunk tag: the location table.
const SITES: u32 = 3;
/// Chunk tag: the end of a complete trace.
const END: u32 = 4;
/// Bytes of one event: seq, ts_ns, c (u64 each); kind, a, b, site, text (u32 each).
pub const EVENT_SIZE: usize = 44;

impl Event {
    fn encode(&self) -> [u8; EVENT_SIZE] {
        let mut b = [0u8; EVENT_SIZE];
        b[0..8].copy_from_slice(&self.seq.to_le_bytes());
        b[8..16].copy_from_slice(&self.ts_ns.to_le_bytes());
        b[16..24].copy_from_slice(&self.c.to_le_bytes());
        b[24..28].copy_from_slice(&self.kind.to_le_bytes());
        b[28..32].copy_from_slice(&self.a.to_le_bytes());
        b[32..36].copy_from_slice(&self.b.to_le_bytes());
        b[36..40].copy_from_slice(&self.site.to_le_bytes());
        b[40..44].copy_from_slice(&self.text.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> Event {
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or_default());
        Event {
            seq: u64_at(0),
            ts_ns: u64_at(8),
            c: u64_at(16).cast_signed(),
            kind: u32_at(24).cast_signed(),
            a: u32_at(28),
            b: u32_at(32),
            site: u32_at(36),
            text: u32_at(40),
        }
    }
}

/// Writes a raw trace.
pub struct Writer {
    out: BufWriter<File>,
    scratch: Vec<u8>,
}

impl Writer {
    /// Creates the file and writes the header.
    ///
    /// # Errors
    /// If the file cannot be created or written.
    pub fn create(path: &Path) -> io::Result<Writer> {
        let mut out = BufWriter::new(File::create(path)?);
        out.write_all(MAGIC)?;
        Ok(Writer { out, scratch: Vec::new() })
    }

    fn chunk(&mut self, tag: u32, payload: &[u8]) -> io::Result<()> {
        let len = u32::try_from(payload.len()).map_err(|_| io::Error::other("trace chunk over 4 GiB"))?;
        self.out.write_all(&tag.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(payload)
    }

    /// Writes a block of thread `tid`'s events.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn events(&mut self, tid: i32, events: &[Event]) -> io::Result<()> {
        let mut p = std::mem::take(&mut self.scratch);
        p.clear();
        p.extend_from_slice(&tid.to_le_bytes());
        p.reserve(events.len() * EVENT_SIZE);
        for e in events {
            p.extend_from_slice(&e.encode());
        }
        let r = self.chunk(EVENTS, &p);
        self.scratch = p;
        r
    }

    /// Writes text `id`.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn text(&mut self, id: u32, text: &str) -> io::Result<()> {
        let mut p = id.to_le_bytes().to_vec();
        p.extend_from_slice(text.as_bytes());
        self.chunk(TEXT, &p)
    }

    /// Writes the location table.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn sites(&mut self, sites: &[Site]) -> io::Result<()> {
        let mut p = Vec::new();
        for s in sites {
            let name = s.name.as_deref().unwrap_or("");
            let len = u32::try_from(name.len()).unwrap_or(0);
            for v in [s.func, s.offset, len] {
                p.extend_from_slice(&v.to_le_bytes());
            }
            p.extend_from_slice(&name.as_bytes()[..len as usize]);
        }
        self.chunk(SITES, &p)
    }

    /// Marks the trace complete and flushes it.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn finish(mut self) -> io::Result<()> {
        self.chunk(END, &[])?;
        self.out.flush()
    }

    /// Flushes what was written so far.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A raw trace opened for reading: the texts and sites in memory, each thread's event blocks
/// by file position, read back in order a few at a time.
pub struct Trace {
    file: File,
    /// Each thread's blocks: (file offset of the first event, number of events).
    blocks: BTreeMap<i32, Vec<(u64, u64)>>,
    /// The texts by id.
    pub texts: HashMap<u32, String>,
    /// The location table.
    pub sites: Vec<Site>,
    /// Whether the trace ends with END (else the run was cut short).
    pub complete: bool,
}

/// Reads `buf.len()` bytes at `offset`.
fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// A malformed raw trace.
fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("not a wthreads raw trace: {what}"))
}

impl Trace {
    /// Opens a raw trace and indexes it.
    ///
    /// # Errors
    /// If the file cannot be read or is not a raw trace.
    pub fn open(path: &Path) -> io::Result<Trace> {
        let mut file = File::open(path)?;
        let mut magic = [0u8; 8];
        file.read_exact(&mut magic).map_err(|_| bad("shorter than its header"))?;
        if &magic != MAGIC {
            return Err(bad("wrong header"));
        }
        let end = file.seek(SeekFrom::End(0))?;
        let mut trace =
            Trace { file, blocks: BTreeMap::new(), texts: HashMap::new(), sites: Vec::new(), complete: false };
        let mut at = MAGIC.len() as u64;
        while at + 8 <= end {
            let mut head = [0u8; 8];
            read_at(&trace.file, &mut head, at)?;
            let tag = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
            let len = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
            let body = at + 8;
            if body + len > end {
                break; // a chunk cut off by the end of the run: the trace is incomplete
            }
            match tag {
                EVENTS => {
                    let mut tid = [0u8; 4];
                    read_at(&trace.file, &mut tid, body)?;
                    let count = (len.saturating_sub(4)) / EVENT_SIZE as u64;
                    trace.blocks.entry(i32::from_le_bytes(tid)).or_default().push((body + 4, count));
                }
                TEXT | SITES => {
                    let mut p = vec![0u8; usize::try_from(len).map_err(|_| bad("huge chunk"))?];
                    read_at(&trace.file, &mut p, body)?;
                    if tag == TEXT {
                        let id = u32::from_le_bytes(
                            p.get(..4).ok_or_else(|| bad("short text"))?.try_into().unwrap_or_default(),
                        );
                        trace.texts.insert(id, String::from_utf8_lossy(&p[4..]).into_owned());
                    } else {
                        trace.sites = decode_sites(&p)?;
                    }
                }
                END => trace.complete = true,
                _ => return Err(bad(&format!("unknown chunk {tag}"))),
            }
            at = body + len;
        }
        Ok(trace)
    }

    /// The threads that have events, in id order.
    pub fn threads(&self) -> impl Iterator<Item = i32> + '_ {
        self.blocks.keys().copied()
    }

    /// Every event of every thread in the order of their `seq` (the trace's one total order),
    /// reading a few events of each thread at a time.
    pub fn merged(&self) -> Merged<'_> {
        let mut cursors: Vec<Cursor> = self.blocks.iter().map(|(tid, b)| Cursor::new(*tid, b.clone())).collect();
        let mut heap = BinaryHeap::new();
        for (i, c) in cursors.iter_mut().enumerate() {
            if let Some(e) = c.peek(&self.file) {
                heap.push(std::cmp::Reverse((e.seq, i)));
            }
        }
        Merged { trace: self, cursors, heap }
    }

    /// The text an event refers to (`text` 0: none).
    pub fn text(&self, id: u32) -> Option<&str> {
        if id == 0 { None } else { self.texts.get(&id).map(String::as_str) }
    }
}

fn decode_sites(p: &[u8]) -> io::Result<Vec<Site>> {
    let mut sites = Vec::new();
    let mut i = 0;
    let u32_at = |i: usize| -> io::Result<u32> {
        Ok(u32::from_le_bytes(p.get(i..i + 4).ok_or_else(|| bad("short site table"))?.try_into().unwrap_or_default()))
    };
    while i < p.len() {
        let (func, offset, len) = (u32_at(i)?, u32_at(i + 4)?, u32_at(i + 8)? as usize);
        let name = p.get(i + 12..i + 12 + len).ok_or_else(|| bad("short site name"))?;
        let name = (len > 0).then(|| String::from_utf8_lossy(name).into_owned());
        sites.push(Site { func, name, offset });
        i += 12 + len;
    }
    Ok(sites)
}

/// How many events a cursor reads at once.
const BATCH: u64 = 256;

/// One thread's position in its blocks.
struct Cursor {
    tid: i32,
    blocks: Vec<(u64, u64)>,
    block: usize,
    /// Events of the current block consumed so far.
    done: u64,
    batch: std::collections::VecDeque<Event>,
}

impl Cursor {
    fn new(tid: i32, blocks: Vec<(u64, u64)>) -> Cursor {
        Cursor { tid, blocks, block: 0, done: 0, batch: std::collections::VecDeque::new() }
    }

    fn peek(&mut self, file: &File) -> Option<Event> {
        while self.batch.is_empty() {
            let (start, count) = *self.blocks.get(self.block)?;
            if self.done == count {
                self.block += 1;
                self.done = 0;
                continue;
            }
            let n = BATCH.min(count - self.done);
            let mut buf = vec![0u8; usize::try_from(n).ok()? * EVENT_SIZE];
            read_at(file, &mut buf, start + self.done * EVENT_SIZE as u64).ok()?;
            self.batch.extend(buf.chunks_exact(EVENT_SIZE).map(Event::decode));
            self.done += n;
        }
        self.batch.front().copied()
    }
}

/// [`Trace::merged`]'s iterator: `(tid, event)` in `seq` order.
pub struct Merged<'t> {
    trace: &'t Trace,
    cursors: Vec<Cursor>,
    heap: BinaryHeap<std::cmp::Reverse<(u64, usize)>>,
}

impl Iterator for Merged<'_> {
    type Item = (i32, Event);

    fn next(&mut self) -> Option<(i32, Event)> {
        let std::cmp::Reverse((_, i)) = self.heap.pop()?;
        let c = &mut self.cursors[i];
        let e = c.batch.pop_front()?;
        if let Some(next) = c.peek(&self.trace.file) {
            self.heap.push(std::cmp::Reverse((next.seq, i)));
        }
        Some((c.tid, e))
    }
}
