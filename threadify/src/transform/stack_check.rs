//! Pass: check every move of the shadow stack pointer against the thread's stack limit.

use crate::conventions as conv;
use walrus::ir::{BinaryOp, Call, GlobalSet, Instr, InstrSeq, Value, VisitorMut};
use walrus::{ExportItem, FunctionBuilder, FunctionId, GlobalId, Module, ValType};

/// Adds `wthreads_stack_check` and calls it before every write of the stack pointer in the
/// module's functions; returns how many writes it guards.
pub(crate) fn add(m: &mut Module, stack_pointer: GlobalId, limit: GlobalId) -> usize {
    let handler = m.exports.iter().find_map(|e| match e.item {
        ExportItem::Function(f) if e.name == conv::STACK_OVERFLOW => {
            let ty = m.types.get(m.funcs.get(f).ty());
            (ty.params().is_empty() && ty.results().is_empty()).then_some(f)
        }
        _ => None,
    });
    let originals: Vec<FunctionId> = m.funcs.iter_local().map(|(id, _)| id).collect();

    let new_sp = m.locals.add(ValType::I32);
    let mut check = FunctionBuilder::new(&mut m.types, &[ValType::I32], &[ValType::I32]);
    check.name(conv::STACK_CHECK.into());
    check
        .func_body()
        .local_get(new_sp)
        .global_get(limit)
        .binop(BinaryOp::I32LtU)
        .if_else(
            None,
            |overflow| {
                // Off for the rest of this thread's life, so the handler has the guard zone.
                overflow.i32_const(0).global_set(limit);
                if let Some(h) = handler {
                    overflow.call(h);
                }
                overflow.unreachable();
            },
            |_| {},
        )
        .local_get(new_sp);
    let check = check.finish(vec![new_sp], &mut m.funcs);

    let mut guard = GuardStackWrites { stack_pointer, check, count: 0 };
    for id in originals {
        let func = m.funcs.get_mut(id).kind.unwrap_local_mut();
        let entry = func.entry_block();
        walrus::ir::dfs_pre_order_mut(&mut guard, func, entry);
    }
    guard.count
}

/// Inserts `call $check` before each `global.set $stack_pointer`.
struct GuardStackWrites {
    stack_pointer: GlobalId,
    check: FunctionId,
    count: usize,
}

impl GuardStackWrites {
    /// `global.get $sp; i32.const N; i32.sub` ending at `i`: a frame being carved out. A leaf
    /// function never writes the lowered pointer back, so this is where its frame is checked.
    fn carves_frame(&self, instrs: &[(Instr, walrus::InstrLocId)], i: usize) -> bool {
        i >= 2
            && matches!(instrs[i].0, Instr::Binop(walrus::ir::Binop { op: BinaryOp::I32Sub }))
            && matches!(instrs[i - 1].0, Instr::Const(walrus::ir::Const { value: Value::I32(_) }))
            && matches!(instrs[i - 2].0, Instr::GlobalGet(walrus::ir::GlobalGet { global }) if global == self.stack_pointer)
    }
}

impl VisitorMut for GuardStackWrites {
    fn start_instr_seq_mut(&mut self, seq: &mut InstrSeq) {
        let mut i = 0;
        while i < seq.instrs.len() {
            if self.carves_frame(&seq.instrs, i) {
                let loc = seq.instrs[i].1;
                seq.instrs.insert(i + 1, (Instr::Call(Call { func: self.check }), loc));
                self.count += 1;
                i += 2;
                continue;
            }
            if matches!(seq.instrs[i].0, Instr::GlobalSet(GlobalSet { global }) if global == self.stack_pointer) {
                let loc = seq.instrs[i].1;
                seq.instrs.insert(i, (Instr::Call(Call { func: self.check }), loc));
                self.count += 1;
                i += 1;
            }
            i += 1;
        }
    }
}
