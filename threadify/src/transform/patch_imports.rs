//! Pass: replace the `wthreads_patch` imports with code of the module over per-instance globals.

use super::{Globals, Symbols};
use crate::Error;
use crate::conventions::{self as conv, PatchImport};
use walrus::{FunctionId, Module, ValType};
use wthreads::abi;

/// Finds every `wthreads_patch` import and checks it against the runtime API's table, before
/// anything changes.
///
/// # Errors
/// [`Error::UnknownPatchImport`] for a name threadify does not know or a type the table does not
/// give it.
pub(crate) fn check(m: &Module) -> Result<Vec<(PatchImport, FunctionId)>, Error> {
    let found: Vec<(PatchImport, FunctionId)> = m
        .imports
        .iter()
        .filter(|i| i.module == conv::PATCH_MODULE)
        .map(|i| match (PatchImport::from_name(&i.name), &i.kind) {
            (Some(p), walrus::ImportKind::Function(f)) => Ok((p, *f)),
            _ => Err(Error::UnknownPatchImport(i.name.clone())),
        })
        .collect::<Result<_, _>>()?;
    let val = conv::val_type;
    for (p, f) in &found {
        let ty = m.types.get(m.funcs.get(*f).ty());
        let want = p.function();
        let (params, results): (Vec<ValType>, Vec<ValType>) =
            (want.params.iter().map(val).collect(), want.results.iter().map(val).collect());
        if ty.params() != params || ty.results() != results {
            return Err(Error::UnknownPatchImport(format!("{} (unexpected signature)", p.name())));
        }
    }
    Ok(found)
}

/// Replaces each import `check` found with a function of the module: the TLS size and
/// alignment read lld's globals, the thread pointer is the per-instance global, and the event
/// function keeps the wait context (see [`keep_wait_context`]) and is exported for `trace`.
///
/// Returns the functions made but the event function (which `trace` finds by its export).
///
/// # Errors
/// [`Error::Invalid`] if walrus refuses a replacement (a bug).
pub(crate) fn replace(
    m: &mut Module,
    imports: Vec<(PatchImport, FunctionId)>,
    sym: &Symbols,
    globals: &Globals,
) -> Result<Vec<FunctionId>, Error> {
    let mut made = Vec::new();
    // The shared memory (`check` verified there is one).
    let memory = m.memories.iter().next().map(walrus::Memory::id).ok_or_else(|| Error::Invalid("no memory".into()))?;
    for (p, f) in imports {
        let res = m.replace_imported_func(f, |(body, args)| {
            match p {
                PatchImport::TlsSize => body.global_get(sym.tls_size),
                PatchImport::TlsAlign => body.global_get(sym.tls_align),
                PatchImport::SelfGet => body.global_get(globals.self_ptr),
                PatchImport::SelfSet => set_self(body, args[0], memory, globals),
                PatchImport::OwnerGet => body.global_get(globals.owner),
                PatchImport::Event => keep_wait_context(body, args[0], args[1], globals),
            };
        });
        let id = res.map_err(|e| Error::Invalid(e.to_string()))?;
        if p == PatchImport::Event {
            m.funcs.get_mut(id).name = Some(conv::EVENT.into());
            m.exports.add(conv::EVENT, id);
        } else {
            made.push(id);
        }
    }
    Ok(made)
}

/// `self_set`'s body: the thread pointer `p`, and the owner value at
/// [`abi::OWNER_AT_THREAD_POINTER`] from it (0 for a null pointer).
fn set_self<'a, 'b>(
    body: &'a mut walrus::InstrSeqBuilder<'b>,
    p: walrus::LocalId,
    memory: walrus::MemoryId,
    globals: &Globals,
) -> &'a mut walrus::InstrSeqBuilder<'b> {
    use walrus::ir::{LoadKind, MemArg};
    let at = MemArg { align: 4, offset: u64::from(abi::OWNER_AT_THREAD_POINTER) };
    body.local_get(p).global_set(globals.self_ptr).local_get(p).if_else(
        ValType::I32,
        |set| {
            set.local_get(p).load(memory, LoadKind::I32 { atomic: false }, at);
        },
        |null| {
            null.i32_const(0);
        },
    );
    body.global_set(globals.owner)
}

/// The event function's body: if `kind` is one of [`abi::WAIT_CONTEXT_EVENTS`] (with any flags),
/// stores it and the address `a` in the instance's wait context globals, for the next
/// `wait_watched`; any other event does nothing. Every call passes a constant kind, so an engine
/// that inlines the function folds the test away.
fn keep_wait_context<'a, 'b>(
    body: &'a mut walrus::InstrSeqBuilder<'b>,
    kind: walrus::LocalId,
    a: walrus::LocalId,
    globals: &Globals,
) -> &'a mut walrus::InstrSeqBuilder<'b> {
    use walrus::ir::{BinaryOp, UnaryOp};
    // Bit k of `mask` is set for each event k (all below 64) of the list; `(mask >> kind) & 1`
    // looks at `kind & 63` (a shift's count is taken modulo 64). Another event whose low six
    // bits are a listed one's (a channel's send, 64) is kept too, which is harmless: a wait
    // uses the context only if its word lies in the object the event named, and no wait is
    // ever inside a channel's send.
    let mask = abi::WAIT_CONTEXT_EVENTS.iter().fold(0u64, |m, &k| m | 1 << k);
    body.i64_const(mask.cast_signed())
        .local_get(kind)
        .unop(UnaryOp::I64ExtendUI32)
        .binop(BinaryOp::I64ShrU)
        .unop(UnaryOp::I32WrapI64)
        .i32_const(1)
        .binop(BinaryOp::I32And)
        .if_else(
            None,
            |keep| {
                keep.local_get(kind).global_set(globals.wait_kind).local_get(a).global_set(globals.wait_addr);
            },
            |_| {},
        )
}
