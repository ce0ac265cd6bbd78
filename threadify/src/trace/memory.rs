//! `trace --memory`: every access of the shared memory is recorded, without a host call per
//! access. Each instance (so each thread) gets a buffer memory of its own and a cursor global;
//! a plain load or store writes `(site, address)` into it (two `u32`s), a range
//! (`memory.fill`, `memory.copy`, `memory.init`) one more slot with its length. The host drains
//! the buffer at every call of a `wthreads_trace` function (so accesses keep their place among
//! the thread's events) and through `flush` when it is full. Atomic accesses are
//! synchronisation, so each takes its place in the trace's one order: a slot of three (site,
//! address, and the `seq` it took from the order counter that every instance and the host share,
//! `wthreads_trace.order`), for its write side before the access and for its read side after
//! it, so that the trace orders a store before the load that reads it, and the release of a
//! lock before the acquire that takes it, without a host call.

use super::Access;
use super::instrs::{call, get, konst, set, tee};
use crate::conventions as conv;
use walrus::ir::{AtomicOp, AtomicWidth, Instr, LoadKind, MemArg, StoreKind, Value};
use walrus::{FunctionBuilder, FunctionId, GlobalId, InstrLocId, LocalId, MemoryId, Module, ValType};

/// Bytes of a thread's access buffer (one 64 KiB page: 8,192 accesses).
pub const BUFFER_BYTES: u32 = 65_536;

/// What the memory rewrite needs: the shared memory, the helpers and the scratch locals.
pub(super) struct Memory {
    shared: MemoryId,
    /// `record(addr, site) -> addr`.
    record: FunctionId,
    /// `record_range(addr, len, site) -> addr`.
    record_range: FunctionId,
    /// `record_atomic_write(addr, site)`: takes a seq and records it with the access.
    atomic_write: FunctionId,
    /// `record_atomic_read(addr, site)`: reads the order counter and records it with the access.
    atomic_read: FunctionId,
    /// Scratch locals, one per value type, and a second i32 and i64.
    scratch: Scratch,
}

struct Scratch {
    addr: LocalId,
    i32: [LocalId; 2],
    i64: [LocalId; 2],
    f32: LocalId,
    f64: LocalId,
    v128: LocalId,
}

impl Memory {
    /// Adds the buffer, its cursor and the helpers (the buffer and cursor exported for the
    /// host) and imports the order counter's memory, given the host's `flush(len)` import.
    pub(super) fn add(m: &mut Module, shared: MemoryId, flush: FunctionId) -> Memory {
        let buffer = m.memories.add_local(false, false, 1, Some(1), None);
        m.memories.get_mut(buffer).name = Some(conv::TRACE_BUFFER.into());
        let cursor = m.globals.add_local(ValType::I32, true, false, walrus::ConstExpr::Value(Value::I32(0)));
        m.globals.get_mut(cursor).name = Some(conv::TRACE_CURSOR.into());
        m.exports.add(conv::TRACE_BUFFER, buffer);
        m.exports.add(conv::TRACE_CURSOR, cursor);
        let order = m.add_import_memory(conv::TRACE_MODULE, conv::TRACE_ORDER, true, false, 1, Some(1), None).0;
        let buf = Buffer { memory: buffer, cursor, flush };
        let record = helper(m, &buf, Slot::Plain);
        let record_range = helper(m, &buf, Slot::Range);
        let atomic_write = helper(m, &buf, Slot::Atomic { order, write: true });
        let atomic_read = helper(m, &buf, Slot::Atomic { order, write: false });
        let mut local = |ty| m.locals.add(ty);
        let scratch = Scratch {
            addr: local(ValType::I32),
            i32: [local(ValType::I32), local(ValType::I32)],
            i64: [local(ValType::I64), local(ValType::I64)],
            f32: local(ValType::F32),
            f64: local(ValType::F64),
            v128: local(ValType::V128),
        };
        Memory { shared, record, record_range, atomic_write, atomic_read, scratch }
    }

    /// The instructions that replace `instr` (with its site or sites recorded by `site`), or
    /// `None` if it does not access the shared memory.
    pub(super) fn rewrite(
        &self,
        instr: &Instr,
        loc: InstrLocId,
        site: &mut dyn FnMut(InstrLocId, Access) -> i32,
    ) -> Option<Vec<Instr>> {
        let s = &self.scratch;
        let plain =
            |write, width, arg: &MemArg| Access { write, atomic: false, width, offset: arg.offset, range: false };
        let atomic =
            |write, width, arg: &MemArg| Access { write, atomic: true, width, offset: arg.offset, range: false };
        let range = |write| Access { write, atomic: false, width: 0, offset: 0, range: true };
        let mut out = Vec::new();
        match instr {
            Instr::Load(l) if l.memory == self.shared && !l.kind.atomic() => {
                out.extend([konst(site(loc, plain(false, l.kind.width(), &l.arg))), call(self.record)]);
            }
            Instr::Load(l) if l.memory == self.shared => {
                out.extend([tee(s.addr), instr.clone()]);
                self.record_atomic(&mut out, loc, site, atomic(false, l.kind.width(), &l.arg));
                return Some(out);
            }
            Instr::Store(st) if st.memory == self.shared => {
                let value = self.value_local(store_type(st.kind));
                let a = if st.kind.atomic() {
                    atomic(true, st.kind.width(), &st.arg)
                } else {
                    plain(true, st.kind.width(), &st.arg)
                };
                out.push(set(value));
                if a.atomic {
                    out.push(tee(s.addr));
                    self.record_atomic(&mut out, loc, site, a);
                } else {
                    out.extend([konst(site(loc, a)), call(self.record)]);
                }
                out.push(get(value));
            }
            Instr::AtomicRmw(r) if r.memory == self.shared => {
                let value = self.width_local(r.width, 0);
                out.extend([set(value), tee(s.addr)]);
                self.record_atomic(&mut out, loc, site, atomic(true, r.width.bytes(), &r.arg));
                out.extend([get(value), instr.clone()]);
                self.record_atomic(&mut out, loc, site, atomic(false, r.width.bytes(), &r.arg));
                return Some(out);
            }
            Instr::Cmpxchg(c) if c.memory == self.shared => {
                let (expected, replacement) = (self.width_local(c.width, 0), self.width_local(c.width, 1));
                out.extend([set(replacement), set(expected), tee(s.addr)]);
                self.record_atomic(&mut out, loc, site, atomic(true, c.width.bytes(), &c.arg));
                out.extend([get(expected), get(replacement), instr.clone()]);
                self.record_atomic(&mut out, loc, site, atomic(false, c.width.bytes(), &c.arg));
                return Some(out);
            }
            Instr::AtomicWait(w) if w.memory == self.shared => {
                let expected = if w.sixty_four { s.i64[0] } else { s.i32[0] };
                out.extend([set(s.i64[1]), set(expected), tee(s.addr), get(expected), get(s.i64[1]), instr.clone()]);
                let width = if w.sixty_four { 8 } else { 4 };
                self.record_atomic(&mut out, loc, site, atomic(false, width, &w.arg));
                return Some(out);
            }
            Instr::AtomicNotify(n) if n.memory == self.shared => {
                out.extend([set(s.i32[0]), tee(s.addr)]);
                self.record_atomic(&mut out, loc, site, atomic(true, 4, &n.arg));
                out.push(get(s.i32[0]));
            }
            Instr::MemoryFill(f) if f.memory == self.shared => {
                out.extend([set(s.i32[1]), set(s.i32[0]), get(s.i32[1]), konst(site(loc, range(true)))]);
                out.extend([call(self.record_range), get(s.i32[0]), get(s.i32[1])]);
            }
            Instr::MemoryCopy(c) if c.dst == self.shared && c.src == self.shared => {
                out.extend([set(s.i32[1]), set(s.i32[0]), get(s.i32[1]), konst(site(loc, range(true)))]);
                out.extend([call(self.record_range), get(s.i32[0]), get(s.i32[1]), konst(site(loc, range(false)))]);
                out.extend([call(self.record_range), get(s.i32[1])]);
            }
            Instr::MemoryInit(i) if i.memory == self.shared => {
                out.extend([set(s.i32[1]), set(s.i32[0]), get(s.i32[1]), konst(site(loc, range(true)))]);
                out.extend([call(self.record_range), get(s.i32[0]), get(s.i32[1])]);
            }
            _ => return None,
        }
        out.push(instr.clone());
        Some(out)
    }

    /// `local.get $addr; i32.const site; call $record_atomic_*` for one side of an atomic access
    /// (the address was saved with a tee).
    fn record_atomic(
        &self,
        out: &mut Vec<Instr>,
        loc: InstrLocId,
        site: &mut dyn FnMut(InstrLocId, Access) -> i32,
        side: Access,
    ) {
        let record = if side.write { self.atomic_write } else { self.atomic_read };
        out.extend([get(self.scratch.addr), konst(site(loc, side)), call(record)]);
    }

    fn value_local(&self, ty: ValType) -> LocalId {
        let s = &self.scratch;
        match ty {
            ValType::I64 => s.i64[0],
            ValType::F32 => s.f32,
            ValType::F64 => s.f64,
            ValType::V128 => s.v128,
            _ => s.i32[0],
        }
    }

    fn width_local(&self, w: AtomicWidth, i: usize) -> LocalId {
        match w {
            AtomicWidth::I32 | AtomicWidth::I32_8 | AtomicWidth::I32_16 => self.scratch.i32[i],
            _ => self.scratch.i64[i],
        }
    }
}

/// The type of the value a store takes.
fn store_type(k: StoreKind) -> ValType {
    match k {
        StoreKind::I32 { .. } | StoreKind::I32_8 { .. } | StoreKind::I32_16 { .. } => ValType::I32,
        StoreKind::I64 { .. } | StoreKind::I64_8 { .. } | StoreKind::I64_16 { .. } | StoreKind::I64_32 { .. } => {
            ValType::I64
        }
        StoreKind::F32 => ValType::F32,
        StoreKind::F64 => ValType::F64,
        StoreKind::V128 => ValType::V128,
    }
}

/// The buffer the helpers write to.
struct Buffer {
    memory: MemoryId,
    cursor: GlobalId,
    /// The host's `flush(bytes)`.
    flush: FunctionId,
}

/// What a helper records.
#[derive(Clone, Copy)]
enum Slot {
    /// `record(addr, site) -> addr`: site, address.
    Plain,
    /// `record_range(addr, len, site) -> addr`: site, address, length, 0.
    Range,
    /// `record_atomic_write(addr, site)` / `record_atomic_read(addr, site)`: site, address, and
    /// the order counter (the first `i64` of memory `order`): a write side takes its seq with a
    /// fetch-and-add; a read side only reads the counter, so reads do not contend for its cache
    /// line. A read at `c` comes after every item whose seq is below `c` and before the one whose
    /// seq is `c` (`wthreads_trace::reader`): what it read was written before it read `c`.
    Atomic { order: MemoryId, write: bool },
}

/// A helper that writes its slot at the cursor, advances it, and calls `flush(bytes)` when the
/// buffer is full.
fn helper(m: &mut Module, buf: &Buffer, slot: Slot) -> FunctionId {
    let (addr, len, site, at) = (
        m.locals.add(ValType::I32),
        m.locals.add(ValType::I32),
        m.locals.add(ValType::I32),
        m.locals.add(ValType::I32),
    );
    let (params, results, name): (&[ValType], &[ValType], _) = match slot {
        Slot::Plain => (&[ValType::I32; 2], &[ValType::I32], conv::TRACE_RECORD),
        Slot::Range => (&[ValType::I32; 3], &[ValType::I32], conv::TRACE_RECORD_RANGE),
        Slot::Atomic { write: true, .. } => (&[ValType::I32; 2], &[], conv::TRACE_RECORD_ATOMIC_WRITE),
        Slot::Atomic { write: false, .. } => (&[ValType::I32; 2], &[], conv::TRACE_RECORD_ATOMIC_READ),
    };
    let mut f = FunctionBuilder::new(&mut m.types, params, results);
    f.name(name.into());
    let store = StoreKind::I32 { atomic: false };
    let arg = |offset| MemArg { align: 4, offset };
    let mut b = f.func_body();
    b.global_get(buf.cursor).local_set(at);
    b.local_get(at).local_get(site).store(buf.memory, store, arg(0));
    b.local_get(at).local_get(addr).store(buf.memory, store, arg(4));
    let slots = match slot {
        Slot::Plain => 8,
        Slot::Range => {
            b.local_get(at).local_get(len).store(buf.memory, store, arg(8));
            b.local_get(at).i32_const(0).store(buf.memory, store, arg(12));
            16
        }
        Slot::Atomic { order, write } => {
            let counter = MemArg { align: 8, offset: 0 };
            b.local_get(at).i32_const(0);
            if write {
                b.i64_const(1).atomic_rmw(order, AtomicOp::Add, AtomicWidth::I64, counter);
            } else {
                b.load(order, LoadKind::I64 { atomic: true }, counter);
            }
            b.store(buf.memory, StoreKind::I64 { atomic: false }, MemArg { align: 8, offset: 8 });
            16
        }
    };
    b.local_get(at).i32_const(slots).binop(walrus::ir::BinaryOp::I32Add).local_tee(at).global_set(buf.cursor);
    b.local_get(at).i32_const(BUFFER_BYTES.cast_signed() - 16).binop(walrus::ir::BinaryOp::I32GtU).if_else(
        None,
        |full| {
            full.local_get(at).call(buf.flush).i32_const(0).global_set(buf.cursor);
        },
        |_| {},
    );
    if !matches!(slot, Slot::Atomic { .. }) {
        b.local_get(addr);
    }
    let args = match slot {
        Slot::Range => vec![addr, len, site],
        _ => vec![addr, site],
    };
    f.finish(args, &mut m.funcs)
}
