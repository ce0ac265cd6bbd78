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
    let val = |v: &abi::Val| match v {
        abi::Val::I32 => ValType::I32,
        abi::Val::I64 => ValType::I64,
    };
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
/// function is empty (an engine inlines it away) and exported for `trace`.
///
/// # Errors
/// [`Error::Invalid`] if walrus refuses a replacement (a bug).
pub(crate) fn replace(
    m: &mut Module,
    imports: Vec<(PatchImport, FunctionId)>,
    sym: &Symbols,
    globals: &Globals,
) -> Result<(), Error> {
    for (p, f) in imports {
        let res = m.replace_imported_func(f, |(body, args)| {
            match p {
                PatchImport::TlsSize => body.global_get(sym.tls_size),
                PatchImport::TlsAlign => body.global_get(sym.tls_align),
                PatchImport::SelfGet => body.global_get(globals.self_ptr),
                PatchImport::SelfSet => body.local_get(args[0]).global_set(globals.self_ptr),
                PatchImport::Event => body,
            };
        });
        let id = res.map_err(|e| Error::Invalid(e.to_string()))?;
        if p == PatchImport::Event {
            m.funcs.get_mut(id).name = Some(conv::EVENT.into());
            m.exports.add(conv::EVENT, id);
        }
    }
    Ok(())
}
