//! The race detector's memory ([`super::race`]): what each byte of linear memory remembers of
//! its accesses, kept in pages that are made when a byte of theirs is first touched, so that a
//! program's memory costs shadow only where it was used, and an access finds its bytes with an
//! index instead of a hash per byte.

use rustc_hash::FxHashMap as HashMap;

/// A vector clock, indexed by slot (see `race::Detector`).
pub(crate) type Clock = Vec<u32>;

/// An access as a byte remembers it: the thread's slot + 1 (0: none) and its id, the slot's
/// clock at the access, and what it was.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Epoch {
    pub(crate) thread: u32,
    pub(crate) tid: i32,
    pub(crate) clock: u32,
    pub(crate) site: u32,
    pub(crate) start: u32,
    pub(crate) len: u32,
    pub(crate) atomic: bool,
}

impl Epoch {
    /// Whether the access is ordered before an access of a thread whose clock is `now`.
    pub(crate) fn before(&self, now: &Clock) -> bool {
        self.thread == 0 || now.get(self.thread as usize - 1).is_some_and(|c| self.clock <= *c)
    }
}

/// What a byte remembers: its last write, and its reads since (one, or every thread's).
#[derive(Debug, Clone, Default)]
pub(crate) struct Shadow {
    pub(crate) write: Epoch,
    pub(crate) read: Epoch,
    /// The reads of several threads that are not ordered with each other (FastTrack's
    /// read-shared state), when there are.
    pub(crate) shared: Vec<Epoch>,
}

/// Bytes of linear memory per shadow page (a page of shadow is this many [`Shadow`]s).
const PAGE: u32 = 4096;

/// The shadow of linear memory, a page at a time.
#[derive(Default)]
pub(crate) struct ShadowMemory {
    pages: Vec<Box<[Shadow]>>,
    /// Where each page's shadow is in `pages`, by page number.
    index: HashMap<u32, usize>,
    /// The page found last, and where it is: most accesses touch the page the one before did.
    last: Option<(u32, usize)>,
}

impl ShadowMemory {
    /// The shadow of the bytes from `addr` on, up to `len` of them but not past the end of
    /// `addr`'s page (made on first use): an access's bytes, a page at a time.
    pub(crate) fn bytes(&mut self, addr: u32, len: u32) -> &mut [Shadow] {
        let (page, offset) = (addr / PAGE, (addr % PAGE) as usize);
        let at = match self.last {
            Some((p, at)) if p == page => at,
            _ => {
                let pages = &mut self.pages;
                let at = *self.index.entry(page).or_insert_with(|| {
                    pages.push(vec![Shadow::default(); PAGE as usize].into_boxed_slice());
                    pages.len() - 1
                });
                self.last = Some((page, at));
                at
            }
        };
        let end = offset + (len as usize).min(PAGE as usize - offset);
        &mut self.pages[at][offset..end]
    }
}
