//! The form of a patched module that an untraced run compiles: every call of the guest's event
//! function (`wthreads_event`, see `docs/trace.md`) replaced by a copy of the function's body.
//!
//! A patched module keeps its event calls, because `trace` instruments them; an untraced run
//! has no use for them but the wait context they keep for the deadlock report. Each call passes
//! a constant kind, so once the body is in place an engine folds it to nothing, or to the two
//! stores of a wait's context, without an inliner of its own (wasmtime's costs 3-4× the compile,
//! and brings cold paths into hot loops with them).

use crate::Error;
use crate::conventions as conv;
use std::collections::HashMap;
use walrus::ir::{Block, Call, IfElse, Instr, InstrLocId, InstrSeqId, LocalGet, LocalSet, LocalTee, Loop};
use walrus::{ExportItem, FunctionId, LocalFunction, LocalId, Module};

/// `wasm` (patched) with every call of its event function replaced by the function's body; the
/// module unchanged if it has no event function, or one whose body cannot be copied (a branch,
/// a `return`: never what threadify makes).
///
/// # Errors
/// [`Error::NotWasm`] if `wasm` is not a module or was not patched, [`Error::Invalid`] if the
/// result does not validate (a bug).
pub fn inline_events(wasm: &[u8]) -> Result<Vec<u8>, Error> {
    let (mut m, event) = parse_patched(wasm)?;
    let Some((event, body)) = event.and_then(|f| Some((f, Body::of(&m, f)?))) else { return Ok(wasm.to_vec()) };
    // The event function's locals (its parameters first) become locals of each caller.
    let locals: HashMap<LocalId, LocalId> =
        body.locals.iter().map(|&l| (l, m.locals.add(m.locals.get(l).ty()))).collect();
    let callers: Vec<FunctionId> = m.funcs.iter_local().map(|(id, _)| id).filter(|&id| id != event).collect();
    for id in callers {
        let func = m.funcs.get_mut(id).kind.unwrap_local_mut();
        for seq in crate::transform::seqs(func) {
            let mut i = 0;
            while i < func.block(seq).instrs.len() {
                let (instr, loc) = &func.block(seq).instrs[i];
                if !matches!(instr, Instr::Call(Call { func }) if *func == event) {
                    i += 1;
                    continue;
                }
                let loc = *loc;
                // The arguments, last on top, into the parameters' locals; then the body.
                let mut code: Vec<(Instr, InstrLocId)> =
                    body.params.iter().rev().map(|p| (Instr::LocalSet(LocalSet { local: locals[p] }), loc)).collect();
                let copy = body.root.copy(func, &locals);
                code.push((Instr::Block(Block { seq: copy }), loc));
                let len = code.len();
                func.block_mut(seq).instrs.splice(i..=i, code);
                i += len;
            }
        }
    }
    let out = m.emit_wasm();
    crate::validate(&out)?;
    Ok(out)
}

/// A patched module, parsed, and its event function (if the guest reports events).
///
/// # Errors
/// [`Error::NotWasm`] if `wasm` is not a module or was not patched.
pub(crate) fn parse_patched(wasm: &[u8]) -> Result<(Module, Option<FunctionId>), Error> {
    if !crate::inspect(wasm)?.patched {
        return Err(Error::NotWasm("the module is not patched by threadify: patch it first".into()));
    }
    let mut config = walrus::ModuleConfig::new();
    config.generate_producers_section(false);
    let m = config.parse(wasm).map_err(|e| Error::NotWasm(format!("{e:#}")))?;
    let event = m.exports.iter().find_map(|e| match e.item {
        ExportItem::Function(f) if e.name == conv::EVENT => Some(f),
        _ => None,
    });
    Ok((m, event))
}

/// The event function's body, held apart from its function so that it can be copied into others.
struct Body {
    params: Vec<LocalId>,
    /// Every local the body uses, its parameters among them.
    locals: Vec<LocalId>,
    root: Seq,
}

impl Body {
    /// The body of local function `f`, if it has one that can be copied: no result, no branch
    /// (whose targets would need mapping) and no `return` (which would leave the caller).
    fn of(m: &Module, f: FunctionId) -> Option<Body> {
        let walrus::FunctionKind::Local(func) = &m.funcs.get(f).kind else { return None };
        if !m.types.get(func.ty()).results().is_empty() {
            return None;
        }
        let mut locals = func.args.clone();
        let mut root = Seq::of(func, func.entry_block(), &mut locals)?;
        // A block of the caller's: its parameters come in locals, not on the stack.
        root.ty = walrus::ir::InstrSeqType::Simple(None);
        Some(Body { params: func.args.clone(), locals, root })
    }
}

/// An instruction sequence held apart from its function.
struct Seq {
    ty: walrus::ir::InstrSeqType,
    instrs: Vec<Node>,
}

/// An instruction, with the sequences it holds.
enum Node {
    Plain(Instr),
    Block(Seq),
    Loop(Seq),
    IfElse(Seq, Seq),
}

impl Seq {
    /// Sequence `id` of `func`; adds the locals it uses to `locals`. `None` if it holds an
    /// instruction that cannot be copied as it is.
    fn of(func: &LocalFunction, id: InstrSeqId, locals: &mut Vec<LocalId>) -> Option<Seq> {
        let seq = func.block(id);
        let mut instrs = Vec::with_capacity(seq.instrs.len());
        for (instr, _) in &seq.instrs {
            instrs.push(match instr {
                Instr::Block(b) => Node::Block(Seq::of(func, b.seq, locals)?),
                Instr::Loop(l) => Node::Loop(Seq::of(func, l.seq, locals)?),
                Instr::IfElse(e) => {
                    Node::IfElse(Seq::of(func, e.consequent, locals)?, Seq::of(func, e.alternative, locals)?)
                }
                Instr::Br(_)
                | Instr::BrIf(_)
                | Instr::BrTable(_)
                | Instr::BrOnCast(_)
                | Instr::BrOnCastFail(_)
                | Instr::BrOnNull(_)
                | Instr::BrOnNonNull(_)
                | Instr::Return(_)
                | Instr::ReturnCall(_)
                | Instr::ReturnCallIndirect(_)
                | Instr::ReturnCallRef(_)
                | Instr::TryTable(_)
                | Instr::Try(_) => return None,
                Instr::LocalGet(LocalGet { local })
                | Instr::LocalSet(LocalSet { local })
                | Instr::LocalTee(LocalTee { local }) => {
                    if !locals.contains(local) {
                        locals.push(*local);
                    }
                    Node::Plain(instr.clone())
                }
                other => Node::Plain(other.clone()),
            });
        }
        Some(Seq { ty: seq.ty, instrs })
    }

    /// A copy of this sequence in `func`, its locals mapped by `locals`; returns its id.
    fn copy(&self, func: &mut LocalFunction, locals: &HashMap<LocalId, LocalId>) -> InstrSeqId {
        let mut instrs = Vec::with_capacity(self.instrs.len());
        for node in &self.instrs {
            instrs.push(match node {
                Node::Block(s) => Instr::Block(Block { seq: s.copy(func, locals) }),
                Node::Loop(s) => Instr::Loop(Loop { seq: s.copy(func, locals) }),
                Node::IfElse(c, a) => {
                    let consequent = c.copy(func, locals);
                    Instr::IfElse(IfElse { consequent, alternative: a.copy(func, locals) })
                }
                Node::Plain(Instr::LocalGet(LocalGet { local })) => Instr::LocalGet(LocalGet { local: locals[local] }),
                Node::Plain(Instr::LocalSet(LocalSet { local })) => Instr::LocalSet(LocalSet { local: locals[local] }),
                Node::Plain(Instr::LocalTee(LocalTee { local })) => Instr::LocalTee(LocalTee { local: locals[local] }),
                Node::Plain(other) => other.clone(),
            });
        }
        let id = func.builder_mut().dangling_instr_seq(self.ty).id();
        func.block_mut(id).instrs = instrs.into_iter().map(|i| (i, InstrLocId::default())).collect();
        id
    }
}
