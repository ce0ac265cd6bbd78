//! A thread's items ([`super::raw`]) as events in the trace's one order: each event with its
//! [`Place`]. Recorded accesses come out as events of their own (`abi::MEMORY_ACCESS`), and an
//! access's address includes its instruction's offset. Both readers use this: the file's
//! ([`super::reader`]) and the one of a run still going ([`super::live`]).

use super::raw::{ACCESSES_HEADER, EVENT_SIZE, ITEM_ACCESSES, ITEM_EVENT, u32_at, u64_at};
use super::{Event, NO_SITE, Site};
use std::collections::VecDeque;
use wthreads::abi;

/// An event's place in the merged order: a seq taken from the order counter is unique; a
/// read of the counter (an atomic read side, a drain) that saw `c` comes after every item whose
/// seq is below `c` and before the one whose seq is `c`, so its place is `2c`, a taken seq's
/// `2seq + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place(u64);

impl Place {
    /// The place of an item that took `seq` from the order counter.
    #[must_use]
    pub fn taken(seq: u64) -> Place {
        Place(seq.saturating_mul(2).saturating_add(1))
    }

    /// The place of an item that read `seq` from the order counter: before the item that takes
    /// it.
    #[must_use]
    pub fn read(seq: u64) -> Place {
        Place(seq.saturating_mul(2))
    }

    /// After every place.
    pub const END: Place = Place(u64::MAX);
}

/// The site `site` of `sites`, if there is one.
fn site_of(sites: &[Site], site: u32) -> Option<&Site> {
    if site == NO_SITE { None } else { sites.get(site as usize) }
}

/// Appends the events of one block's `items` to `out`, with their places (a block cut short
/// ends at its last whole item).
pub fn decode(sites: &[Site], items: &[u8], out: &mut VecDeque<(Place, Event)>) {
    let mut i = 0;
    while i < items.len() {
        match items[i] {
            ITEM_EVENT => {
                let Some(b) = items.get(i + 1..i + 1 + EVENT_SIZE) else { return };
                let e = Event::decode(b);
                out.push_back((Place::taken(e.seq), e));
                i += 1 + EVENT_SIZE;
            }
            ITEM_ACCESSES => {
                let Some(h) = items.get(i + 1..i + 1 + ACCESSES_HEADER) else { return };
                let (seq, ts_ns, count) = (u64_at(h, 0), u64_at(h, 8), u32_at(h, 16) as usize);
                let slots = items.get(i + 1 + ACCESSES_HEADER..).unwrap_or(&[]);
                decode_accesses(sites, seq, ts_ns, &slots[..(count * 8).min(slots.len())], out);
                i += 1 + ACCESSES_HEADER + count * 8;
            }
            _ => return,
        }
    }
}

/// A place no item recorded after `items` by the same thread comes before, and no item of
/// `items` comes after: an event's own, or the counter an accesses item read when it was
/// recorded (its atomic accesses took or read the counter before). `None` for no items.
#[must_use]
pub fn end(items: &[u8]) -> Option<Place> {
    let (mut i, mut end) = (0, None);
    while i < items.len() {
        match items[i] {
            ITEM_EVENT if i + 1 + EVENT_SIZE <= items.len() => {
                end = Some(Place::taken(u64_at(items, i + 1)));
                i += 1 + EVENT_SIZE;
            }
            ITEM_ACCESSES if i + 1 + ACCESSES_HEADER <= items.len() => {
                end = Some(Place::read(u64_at(items, i + 1)));
                i += 1 + ACCESSES_HEADER + u32_at(items, i + 17) as usize * 8;
            }
            _ => break,
        }
    }
    end
}

/// The size of the whole item at the start of `items`; `None` if there is none.
#[must_use]
pub fn size(items: &[u8]) -> Option<usize> {
    let n = match *items.first()? {
        ITEM_EVENT => 1 + EVENT_SIZE,
        ITEM_ACCESSES if items.len() > ACCESSES_HEADER => 1 + ACCESSES_HEADER + u32_at(items, 17) as usize * 8,
        _ => return None,
    };
    (n <= items.len()).then_some(n)
}

/// The events of an accesses item's slots. An atomic access's write side took its seq; its
/// read side read the counter (`seq` is what it read). A plain access takes the place of the
/// thread's next atomic access in the item, or the item's (the counter when it was drained),
/// so that the thread's events stay in order.
fn decode_accesses(sites: &[Site], seq: u64, ts_ns: u64, slots: &[u8], out: &mut VecDeque<(Place, Event)>) {
    // The first plain access still waiting for its place.
    let mut pending = out.len();
    let mut s = 0;
    while s + 8 <= slots.len() {
        let (site, addr) = (u32_at(slots, s), u32_at(slots, s + 4));
        s += 8;
        let access = site_of(sites, site).and_then(|x| x.access);
        let mut e = Event { seq, ts_ns, kind: abi::MEMORY_ACCESS, a: addr, b: 0, c: 0, site, text: 0 };
        // The instruction's offset added to the address, and its width as `b` (a range's
        // length follows in the slot).
        if let Some(a) = &access {
            e.a = e.a.wrapping_add(u32::try_from(a.offset).unwrap_or(u32::MAX));
            e.b = a.width;
        }
        let mut place = Place::read(seq);
        if let Some(a) = access.filter(|a| a.range) {
            debug_assert!(!a.atomic);
            e.b = u32_at(slots, s);
            s += 8;
        } else if let Some(a) = access.filter(|a| a.atomic) {
            e.kind = abi::MEMORY_ATOMIC;
            e.seq = u64_at(slots, s);
            s += 8;
            place = if a.write { Place::taken(e.seq) } else { Place::read(e.seq) };
            for (earlier_place, earlier) in out.range_mut(pending..) {
                *earlier_place = place;
                earlier.seq = e.seq;
            }
            pending = out.len() + 1;
        }
        out.push_back((place, e));
    }
}
