//! Where memory came from, for a race report's "Location is …" line: a thread's stack (each
//! spawned thread's from its `THREAD_START`, the main thread's from `MEMORY_LAYOUT`), a heap
//! block and the thread that allocated it (`HEAP_ALLOC` … `HEAP_FREE`, recorded with
//! `--memory`), or the module's static data (`MEMORY_LAYOUT`). Fed the trace's events in
//! order, it answers for the state at the last one.

use super::Event;
use std::collections::BTreeMap;
use wthreads::abi;

/// Where an address's memory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// Nothing the trace says covers it.
    #[default]
    Unknown,
    /// The stack of thread `tid`.
    Stack {
        /// The thread.
        tid: i32,
    },
    /// A heap block that thread `tid` allocated at `site`.
    Heap {
        /// The block's first byte.
        start: u32,
        /// Its size.
        len: u32,
        /// The thread that allocated it.
        tid: i32,
        /// Where (a site of the trace's location table).
        site: u32,
    },
    /// Above the static data, in no block the trace saw allocated (an allocator whose functions
    /// were inlined, or a block allocated before the recording).
    HeapUnseen,
    /// The module's static data.
    Static,
}

/// A heap block as recorded: its layout's two words in the order the allocator took them
/// (`second` 0: `first` is the size).
#[derive(Clone, Copy)]
struct Block {
    first: u32,
    second: u32,
    tid: i32,
    site: u32,
}

/// The regions of memory the trace has described so far.
#[derive(Default)]
pub struct Regions {
    /// Spawned threads' stacks by low end: (top, thread).
    stacks: BTreeMap<u32, (u32, i32)>,
    /// The initial stack pointer and the end of the static data.
    layout: Option<(u32, u32)>,
    /// Live heap blocks by first byte.
    heap: BTreeMap<u32, Block>,
    /// Allocations whose layout showed which word is the size (the other, the alignment, is a
    /// power of two): the first, the second.
    size_is: [u64; 2],
}

impl Regions {
    /// Regions of an empty trace.
    #[must_use]
    pub fn new() -> Regions {
        Regions::default()
    }

    /// Takes in event `e` of thread `tid`.
    pub fn event(&mut self, tid: i32, e: &Event) {
        match e.kind & abi::EVENT_MASK {
            abi::MEMORY_LAYOUT => self.layout = Some((e.a, e.b)),
            abi::THREAD_START if e.b != 0 => {
                let top = u32::try_from(e.c).unwrap_or(0);
                forget(&mut self.stacks, e.b, top);
                self.stacks.insert(e.b, (top, tid));
            }
            abi::HEAP_ALLOC if e.a != 0 => {
                let second = u32::try_from(e.c).unwrap_or(0);
                if second != 0 {
                    match (e.b.is_power_of_two(), second.is_power_of_two()) {
                        (false, true) => self.size_is[0] += 1,
                        (true, false) => self.size_is[1] += 1,
                        _ => {}
                    }
                }
                let block = Block { first: e.b, second, tid, site: e.site };
                let end = e.a.saturating_add(self.size(&block).max(1));
                forget(&mut self.heap, e.a, end);
                self.heap.insert(e.a, block);
            }
            abi::HEAP_FREE => {
                self.heap.remove(&e.a);
            }
            _ => {}
        }
    }

    /// A block's size: the word the allocations showed to be the size, else the larger.
    fn size(&self, b: &Block) -> u32 {
        match (b.second, self.size_is) {
            (0, _) => b.first,
            (_, [first, second]) if first > second => b.first,
            (_, [first, second]) if second > first => b.second,
            _ => b.first.max(b.second),
        }
    }

    /// Where the memory at `addr` came from, as the events so far say.
    #[must_use]
    pub fn origin(&self, addr: u32) -> Origin {
        if let Some((_, (top, tid))) = self.stacks.range(..=addr).next_back()
            && addr < *top
        {
            return Origin::Stack { tid: *tid };
        }
        // The main thread's stack is below the initial stack pointer: under the static data
        // (the linker's `--stack-first`, Rust's default) or above it.
        let (stack_top, data_end) = self.layout.unwrap_or((0, 0));
        let main_stack_low = if stack_top <= data_end { 0 } else { data_end };
        if (main_stack_low..stack_top).contains(&addr) {
            return Origin::Stack { tid: abi::MAIN_THREAD_ID };
        }
        if let Some((start, block)) = self.heap.range(..=addr).next_back()
            && addr - start < self.size(block)
        {
            return Origin::Heap { start: *start, len: self.size(block), tid: block.tid, site: block.site };
        }
        let data_start = if stack_top <= data_end { stack_top } else { 0 };
        match self.layout {
            Some(_) if (data_start..data_end).contains(&addr) => Origin::Static,
            Some(_) if addr >= data_end.max(stack_top) => Origin::HeapUnseen,
            _ => Origin::Unknown,
        }
    }
}

/// Removes the entries of `map` that start in `[start, end)` (memory given anew).
fn forget<V>(map: &mut BTreeMap<u32, V>, start: u32, end: u32) {
    let starts: Vec<u32> = map.range(start..end).map(|(k, _)| *k).collect();
    for k in starts {
        map.remove(&k);
    }
}
