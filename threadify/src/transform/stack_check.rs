//! Pass: check every move of the shadow stack pointer against the thread's stack limit.
//!
//! The check is written where the pointer moves, not called: a call costs every framed function
//! a call on entry and exit in an engine that does not inline it (wasmtime without its inliner,
//! which costs 3-4× the compile; and its inliner, when on, also brings cold code into hot loops).
//! Only the overflow itself is a call, of a function the check adds.

use crate::conventions as conv;
use walrus::ir::{BinaryOp, Binop, GlobalGet, GlobalSet, IfElse, Instr, InstrLocId, LocalGet, LocalTee};
use walrus::{ExportItem, FunctionBuilder, FunctionId, GlobalId, LocalId, Module, ValType};

/// Adds `wthreads_stack_overflowed` and, after every frame carved out and before every other
/// write of the stack pointer that may lower it, a compare of the new pointer with the limit
/// that calls it when the pointer is below; returns how many moves it guards.
pub(crate) fn add(m: &mut Module, stack_pointer: GlobalId, limit: GlobalId) -> usize {
    let handler = m.exports.iter().find_map(|e| match e.item {
        ExportItem::Function(f) if e.name == conv::STACK_OVERFLOW => {
            let ty = m.types.get(m.funcs.get(f).ty());
            (ty.params().is_empty() && ty.results().is_empty()).then_some(f)
        }
        _ => None,
    });
    let originals: Vec<FunctionId> = m.funcs.iter_local().map(|(id, _)| id).collect();

    let mut overflowed = FunctionBuilder::new(&mut m.types, &[], &[]);
    overflowed.name(conv::STACK_OVERFLOWED.into());
    let mut body = overflowed.func_body();
    // Off for the rest of this thread's life, so the handler has the guard zone.
    body.i32_const(0).global_set(limit);
    if let Some(h) = handler {
        body.call(h);
    }
    body.unreachable();
    let overflowed = overflowed.finish(vec![], &mut m.funcs);

    // The new pointer, kept while it is compared (a local of each function that uses it).
    let new_sp = m.locals.add(ValType::I32);
    let check = Check { stack_pointer, limit, new_sp, overflowed };
    let mut count = 0;
    for id in originals {
        let func = m.funcs.get_mut(id).kind.unwrap_local_mut();
        count += check.guard(func);
    }
    if count == 0 {
        m.funcs.delete(overflowed);
    }
    count
}

/// What a check compares and calls.
struct Check {
    stack_pointer: GlobalId,
    limit: GlobalId,
    new_sp: LocalId,
    overflowed: FunctionId,
}

impl Check {
    /// Guards every move of the stack pointer in `func`; returns how many.
    fn guard(&self, func: &mut walrus::LocalFunction) -> usize {
        let mut count = 0;
        for seq in super::seqs(func) {
            let mut i = 0;
            while i < func.block(seq).instrs.len() {
                let instrs = &func.block(seq).instrs;
                // After a frame is carved out (a leaf function never writes the lowered pointer
                // back, so this is where its frame is checked), or before a write.
                let at = if self.carves_frame(instrs, i) {
                    i + 1
                } else if matches!(instrs[i].0, Instr::GlobalSet(GlobalSet { global }) if global == self.stack_pointer)
                    && !self.checked(instrs, i)
                {
                    i
                } else {
                    i += 1;
                    continue;
                };
                let loc = instrs[i].1;
                let code = self.code(func, loc);
                let len = code.len();
                func.block_mut(seq).instrs.splice(at..at, code);
                count += 1;
                // Past the inserted code and the instruction that moved the pointer.
                i += len + 1;
            }
        }
        count
    }

    /// `global.get $sp; i32.const N; i32.sub` ending at `i`: a frame being carved out.
    fn carves_frame(&self, instrs: &[(Instr, InstrLocId)], i: usize) -> bool {
        i >= 2
            && matches!(instrs[i].0, Instr::Binop(Binop { op: BinaryOp::I32Sub }))
            && matches!(instrs[i - 1].0, Instr::Const(walrus::ir::Const { value: walrus::ir::Value::I32(_) }))
            && matches!(instrs[i - 2].0, Instr::GlobalGet(GlobalGet { global }) if global == self.stack_pointer)
    }

    /// Whether the write at `i` needs no check: its value is the one a check just left (a frame
    /// carved, checked, then written: `local.get $new_sp`, perhaps `local.tee $frame`, `global.set
    /// $sp`), or a pointer raised by a constant (`i32.const N; i32.add` with N ≥ 0: an epilogue
    /// giving its frame back), which cannot go below the limit that the frame's carving passed.
    fn checked(&self, instrs: &[(Instr, InstrLocId)], i: usize) -> bool {
        let left = |j: usize| matches!(instrs[j].0, Instr::LocalGet(LocalGet { local }) if local == self.new_sp);
        let raised = |j: usize| {
            matches!(instrs[j].0, Instr::Binop(Binop { op: BinaryOp::I32Add }))
                && matches!(instrs[j - 1].0, Instr::Const(walrus::ir::Const { value: walrus::ir::Value::I32(n) }) if n >= 0)
        };
        match i {
            0 => false,
            1 => left(0),
            _ => left(i - 1) || (matches!(instrs[i - 1].0, Instr::LocalTee(_)) && left(i - 2)) || raised(i - 1),
        }
    }

    /// The check of the new pointer on top of the stack, which it leaves there:
    /// `local.tee $new_sp; global.get $limit; i32.lt_u; if call $overflowed end; local.get $new_sp`.
    fn code(&self, func: &mut walrus::LocalFunction, loc: InstrLocId) -> Vec<(Instr, InstrLocId)> {
        let mut then = func.builder_mut().dangling_instr_seq(None);
        then.call(self.overflowed);
        let consequent = then.id();
        let alternative = func.builder_mut().dangling_instr_seq(None).id();
        [
            Instr::LocalTee(LocalTee { local: self.new_sp }),
            Instr::GlobalGet(GlobalGet { global: self.limit }),
            Instr::Binop(Binop { op: BinaryOp::I32LtU }),
            Instr::IfElse(IfElse { consequent, alternative }),
            Instr::LocalGet(LocalGet { local: self.new_sp }),
        ]
        .into_iter()
        .map(|instr| (instr, loc))
        .collect()
    }
}
