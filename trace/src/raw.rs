//! The raw trace file (`docs/trace.md`, "raw"): what the recorder writes while the program runs
//! and what every other format is made from ([`crate::reader`] reads it). Little-endian:
//!
//! ```text
//! file     = MAGIC chunk*
//! chunk    = tag: u32, len: u32, payload: [u8; len]
//! THREAD   = tid: i32, item*          (the thread's items, in its order)
//! item     = 1 event | 2 accesses
//! event    = seq, ts_ns: u64, c: i64, kind: i32, a, b, site, text: u32        (44 bytes)
//! accesses = seq, ts_ns: u64, count: u32, (site: u32, addr: u32)*count
//! TEXT     = id: u32, UTF-8 bytes     (a thread's name, a trap's message)
//! SITES    = site*                     (site i is the i-th)
//! site     = func, offset, name_len: u32, name, flags: u8, width: u32, offset: u64
//! END      = (empty)                   (the run ended and every thread's items are in)
//! ```
//!
//! An accesses item holds the 8-byte slots a thread's buffer recorded since its last item: a
//! range's slot is followed by one holding its length, an atomic access's by one holding the
//! order counter (an access's site says which it is): the seq its write side took, or the value
//! its read side read. A plain access precedes the thread's next atomic access or event; the
//! item's `seq` is the order counter when it was recorded.

use super::{Access, Event, Site};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// The first bytes of a raw trace: the format's name and version.
pub const MAGIC: &[u8; 8] = b"WTRACE03";
/// Chunk tag: a block of one thread's items.
pub const THREAD: u32 = 1;
/// Chunk tag: a text that events refer to.
pub const TEXT: u32 = 2;
/// Chunk tag: the location table.
pub const SITES: u32 = 3;
/// Chunk tag: the end of a complete trace.
pub const END: u32 = 4;
/// Item tag: an event.
pub const ITEM_EVENT: u8 = 1;
/// Item tag: recorded accesses.
pub const ITEM_ACCESSES: u8 = 2;
/// Bytes of one event item after its tag.
pub const EVENT_SIZE: usize = 44;
/// Bytes of an accesses item's header after its tag: seq, ts_ns, count.
pub const ACCESSES_HEADER: usize = 20;
/// Site flags: a write, an atomic access, a range.
const WRITE: u8 = 1;
const ATOMIC: u8 = 2;
const RANGE: u8 = 4;

impl Event {
    /// Appends the event as an item of a THREAD block.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut b = [0u8; 1 + EVENT_SIZE];
        b[0] = ITEM_EVENT;
        b[1..9].copy_from_slice(&self.seq.to_le_bytes());
        b[9..17].copy_from_slice(&self.ts_ns.to_le_bytes());
        b[17..25].copy_from_slice(&self.c.to_le_bytes());
        b[25..29].copy_from_slice(&self.kind.to_le_bytes());
        b[29..33].copy_from_slice(&self.a.to_le_bytes());
        b[33..37].copy_from_slice(&self.b.to_le_bytes());
        b[37..41].copy_from_slice(&self.site.to_le_bytes());
        b[41..45].copy_from_slice(&self.text.to_le_bytes());
        out.extend_from_slice(&b);
    }

    /// The event of an item's bytes (after its tag).
    pub(super) fn decode(b: &[u8]) -> Event {
        Event {
            seq: u64_at(b, 0),
            ts_ns: u64_at(b, 8),
            c: u64_at(b, 16).cast_signed(),
            kind: u32_at(b, 24).cast_signed(),
            a: u32_at(b, 28),
            b: u32_at(b, 32),
            site: u32_at(b, 36),
            text: u32_at(b, 40),
        }
    }
}

/// Appends an accesses item to a THREAD block: `slots` as the buffer recorded them (8 bytes each), placed at
/// `seq` (they precede the thread's next event) and `ts_ns`.
pub fn encode_accesses(seq: u64, ts_ns: u64, slots: &[u8], out: &mut Vec<u8>) {
    out.push(ITEM_ACCESSES);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&ts_ns.to_le_bytes());
    out.extend_from_slice(&u32::try_from(slots.len() / 8).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(&slots[..slots.len() / 8 * 8]);
}

/// The little-endian `u64` at `i` (0 past the end).
pub(super) fn u64_at(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 8).and_then(|s| s.try_into().ok()).map_or(0, u64::from_le_bytes)
}

/// The little-endian `u32` at `i` (0 past the end).
pub(super) fn u32_at(b: &[u8], i: usize) -> u32 {
    b.get(i..i + 4).and_then(|s| s.try_into().ok()).map_or(0, u32::from_le_bytes)
}

/// Writes a raw trace.
pub struct Writer {
    out: BufWriter<File>,
}

impl Writer {
    /// Creates the file and writes the header.
    ///
    /// # Errors
    /// If the file cannot be created or written.
    pub fn create(path: &Path) -> io::Result<Writer> {
        let mut out = BufWriter::new(File::create(path)?);
        out.write_all(MAGIC)?;
        Ok(Writer { out })
    }

    fn chunk(&mut self, tag: u32, head: &[u8], payload: &[u8]) -> io::Result<()> {
        let len = u32::try_from(head.len() + payload.len()).map_err(|_| io::Error::other("trace chunk over 4 GiB"))?;
        self.out.write_all(&tag.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(head)?;
        self.out.write_all(payload)
    }

    /// Writes a block of thread `tid`'s items (encoded with [`Event::encode`] and
    /// `encode_accesses`).
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn thread(&mut self, tid: i32, items: &[u8]) -> io::Result<()> {
        self.chunk(THREAD, &tid.to_le_bytes(), items)
    }

    /// Writes a block of thread `tid`'s events.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn events(&mut self, tid: i32, events: &[Event]) -> io::Result<()> {
        let mut items = Vec::with_capacity(events.len() * (1 + EVENT_SIZE));
        for e in events {
            e.encode(&mut items);
        }
        self.thread(tid, &items)
    }

    /// Writes text `id`.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn text(&mut self, id: u32, text: &str) -> io::Result<()> {
        self.chunk(TEXT, &id.to_le_bytes(), text.as_bytes())
    }

    /// Writes the location table.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn sites(&mut self, sites: &[Site]) -> io::Result<()> {
        self.out.write_all(&sites_chunk(sites)?)
    }

    /// Marks the trace complete and flushes it.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn finish(mut self) -> io::Result<()> {
        self.chunk(END, &[], &[])?;
        self.out.flush()
    }
}

/// The SITES chunk of a location table, whole (tag, length, payload): what [`Writer::sites`]
/// writes, and what a host that writes the rest of the file itself (the web runtime's) puts in.
///
/// # Errors
/// If the table takes more than 4 GiB.
pub fn sites_chunk(sites: &[Site]) -> io::Result<Vec<u8>> {
    let mut p = Vec::new();
    for s in sites {
        let name = s.name.as_deref().unwrap_or("");
        let len = u32::try_from(name.len()).unwrap_or(0);
        for v in [s.func, s.offset, len] {
            p.extend_from_slice(&v.to_le_bytes());
        }
        p.extend_from_slice(&name.as_bytes()[..len as usize]);
        let a = s.access.unwrap_or(Access { write: false, atomic: false, width: 0, offset: 0, range: false });
        let flags = u8::from(a.write) * WRITE + u8::from(a.atomic) * ATOMIC + u8::from(a.range) * RANGE;
        p.push(if s.access.is_some() { flags | 8 } else { 0 });
        p.extend_from_slice(&a.width.to_le_bytes());
        p.extend_from_slice(&a.offset.to_le_bytes());
    }
    let len = u32::try_from(p.len()).map_err(|_| io::Error::other("trace chunk over 4 GiB"))?;
    let mut chunk = Vec::with_capacity(8 + p.len());
    chunk.extend_from_slice(&SITES.to_le_bytes());
    chunk.extend_from_slice(&len.to_le_bytes());
    chunk.extend_from_slice(&p);
    Ok(chunk)
}

/// The site table of a SITES chunk.
pub(super) fn decode_sites(p: &[u8]) -> Option<Vec<Site>> {
    let mut sites = Vec::new();
    let mut i = 0;
    while i < p.len() {
        let (func, offset, len) = (u32_at(p, i), u32_at(p, i + 4), u32_at(p, i + 8) as usize);
        let name = p.get(i + 12..i + 12 + len)?;
        let name = (len > 0).then(|| String::from_utf8_lossy(name).into_owned());
        let j = i + 12 + len;
        let flags = *p.get(j)?;
        let access = (flags & 8 != 0).then(|| Access {
            write: flags & WRITE != 0,
            atomic: flags & ATOMIC != 0,
            range: flags & RANGE != 0,
            width: u32_at(p, j + 1),
            offset: u64_at(p, j + 5),
        });
        p.get(j + 12)?;
        sites.push(Site { func, name, offset, access });
        i = j + 13;
    }
    Some(sites)
}
