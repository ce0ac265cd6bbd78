//! Pass: the functions the patch adds that only forward their parameters to one instruction
//! (`self_get`: `global.get`, `self_set`: `global.set`, `tls_size` and `tls_align`) are replaced
//! by that instruction wherever the module calls them, and removed. The module is no larger
//! and no engine pays a call for them on every lock and thread-local access, whether or not it
//! inlines (wasmtime's inliner costs 3-4× the compile; `docs/benchmarks.md`, "Start-up").

use std::collections::{HashMap, HashSet};
use walrus::ir::{Instr, InstrLocId, LocalGet, Visitor, VisitorMut};
use walrus::{FunctionId, LocalFunction, Module};

/// Replaces every call of each of `candidates` that is a forwarder ([`forwarded`]) with the
/// instruction it forwards to, and removes those nothing refers to any more; returns how many
/// calls it replaced.
pub(crate) fn forwarders(m: &mut Module, candidates: &[FunctionId]) -> usize {
    let instrs: HashMap<FunctionId, Instr> =
        candidates.iter().filter_map(|&f| forwarded(m.funcs.get(f).kind.unwrap_local(), f).map(|i| (f, i))).collect();
    let mut replace = Replace { instrs: &instrs, count: 0 };
    let callers: Vec<FunctionId> = m.funcs.iter_local().map(|(id, _)| id).collect();
    for id in callers {
        let func = m.funcs.get_mut(id).kind.unwrap_local_mut();
        let entry = func.entry_block();
        walrus::ir::dfs_pre_order_mut(&mut replace, func, entry);
    }
    let count = replace.count;
    remove_unreferenced(m, instrs.into_keys().collect());
    count
}

/// The one instruction `func` (`id`) forwards its parameters to: its body is `local.get` of each
/// parameter in order, then that instruction, which is neither control flow nor a call of
/// `func` itself.
fn forwarded(func: &LocalFunction, id: FunctionId) -> Option<Instr> {
    let body = &func.block(func.entry_block()).instrs;
    let (last, gets) = body.split_last()?;
    let in_order = gets.len() == func.args.len()
        && gets
            .iter()
            .zip(&func.args)
            .all(|((i, _), a)| matches!(i, Instr::LocalGet(LocalGet { local }) if local == a));
    let plain = match &last.0 {
        Instr::Call(c) => c.func != id,
        Instr::GlobalGet(_) | Instr::GlobalSet(_) => true,
        _ => false,
    };
    (in_order && plain).then(|| last.0.clone())
}

/// Replaces the calls of forwarders with what they forward to.
struct Replace<'a> {
    instrs: &'a HashMap<FunctionId, Instr>,
    count: usize,
}

impl VisitorMut for Replace<'_> {
    fn visit_instr_mut(&mut self, instr: &mut Instr, _: &mut InstrLocId) {
        if let Instr::Call(c) = instr
            && let Some(with) = self.instrs.get(&c.func)
        {
            *instr = with.clone();
            self.count += 1;
        }
    }
}

/// Removes each of `candidates` that nothing refers to (no call, `ref.func`, export, table
/// entry or start).
fn remove_unreferenced(m: &mut Module, candidates: Vec<FunctionId>) {
    struct Refs(HashSet<FunctionId>);
    impl<'i> Visitor<'i> for Refs {
        fn visit_function_id(&mut self, f: &FunctionId) {
            self.0.insert(*f);
        }
    }
    let mut refs = Refs(HashSet::new());
    for (_, func) in m.funcs.iter_local() {
        walrus::ir::dfs_in_order(&mut refs, func, func.entry_block());
    }
    let mut used = refs.0;
    used.extend(m.start);
    used.extend(m.exports.iter().filter_map(|e| match e.item {
        walrus::ExportItem::Function(f) => Some(f),
        _ => None,
    }));
    // A table of expressions or a global initialised with `ref.func` may refer to any.
    let mut any = m.globals.iter().any(|g| matches!(g.kind, walrus::GlobalKind::Local(walrus::ConstExpr::RefFunc(_))));
    for e in m.elements.iter() {
        match &e.items {
            walrus::ElementItems::Functions(fs) => used.extend(fs.iter().copied()),
            walrus::ElementItems::Expressions(..) => any = true,
        }
    }
    for f in candidates {
        if !any && !used.contains(&f) {
            m.funcs.delete(f);
        }
    }
}
