//! The patch itself, on a walrus module whose preconditions `check` has verified.

use crate::Error;
use crate::conventions::{self as conv, patch};
use walrus::{ConstExpr, ExportItem, FunctionBuilder, FunctionId, GlobalId, Module, ValType, ir::Value};

/// Looks up an exported global and checks its type.
fn exported_global(m: &Module, name: &'static str, mutable: bool) -> Result<GlobalId, Error> {
    let id = m
        .exports
        .iter()
        .find_map(|e| match e.item {
            ExportItem::Global(g) if e.name == name => Some(g),
            _ => None,
        })
        .ok_or_else(|| Error::Missing { name, detail: "is missing".into() })?;
    let g = m.globals.get(id);
    if g.ty != ValType::I32 || (mutable && !g.mutable) {
        let want = if mutable { "a mutable i32 global" } else { "an i32 global" };
        return Err(Error::Missing { name, detail: format!("must be {want}") });
    }
    Ok(id)
}

/// Looks up an exported function and checks its signature.
fn exported_func(m: &Module, name: &'static str, params: &[ValType]) -> Result<FunctionId, Error> {
    let id = m
        .exports
        .iter()
        .find_map(|e| match e.item {
            ExportItem::Function(f) if e.name == name => Some(f),
            _ => None,
        })
        .ok_or_else(|| Error::Missing { name, detail: "is missing".into() })?;
    let ty = m.types.get(m.funcs.get(id).ty());
    if ty.params() != params || !ty.results().is_empty() {
        return Err(Error::Missing { name, detail: format!("must have type {params:?} -> []") });
    }
    Ok(id)
}

/// The symbols the patch uses, all resolved before anything changes.
struct Symbols {
    stack_pointer: GlobalId,
    tls_size: GlobalId,
    tls_align: GlobalId,
    init_tls: FunctionId,
    entry: FunctionId,
}

impl Symbols {
    fn resolve(m: &Module) -> Result<Symbols, Error> {
        exported_global(m, conv::TLS_BASE, true)?;
        Ok(Symbols {
            stack_pointer: exported_global(m, conv::STACK_POINTER, true)?,
            tls_size: exported_global(m, conv::TLS_SIZE, false)?,
            tls_align: exported_global(m, conv::TLS_ALIGN, false)?,
            init_tls: exported_func(m, conv::INIT_TLS, &[ValType::I32])?,
            entry: exported_func(m, conv::THREAD_ENTRY, &[ValType::I32])?,
        })
    }
}

/// Applies the patch:
/// - replaces each `wthreads_patch` import with a local function over per-instance globals
///   (`tls_size`, `tls_align`: the lld globals; `self_get`/`self_set`: a new mutable global
///   that holds the thread's control block pointer, private to each thread's instance);
/// - adds the export `wthreads_thread_start(start_arg, stack_top, tls_block)`, which points
///   `__stack_pointer` at the thread's own stack, initialises its TLS block with
///   `__wasm_init_tls`, and calls the guest's `wthreads_thread_entry(start_arg)`;
/// - adds the marker section, so a second patch is refused.
pub fn apply(m: &mut Module) -> Result<(), Error> {
    let sym = Symbols::resolve(m)?;
    if m.exports.iter().any(|e| e.name == conv::THREAD_START) {
        return Err(Error::AlreadyPatched);
    }

    // Check every patch import before replacing any.
    let patch_imports: Vec<(String, FunctionId)> = m
        .imports
        .iter()
        .filter(|i| i.module == conv::PATCH_MODULE)
        .map(|i| match i.kind {
            walrus::ImportKind::Function(f) => Ok((i.name.clone(), f)),
            _ => Err(Error::UnknownPatchImport(i.name.clone())),
        })
        .collect::<Result<_, _>>()?;
    for (name, f) in &patch_imports {
        let ty = m.types.get(m.funcs.get(*f).ty());
        let expected: (&[ValType], &[ValType]) = match name.as_str() {
            patch::TLS_SIZE | patch::TLS_ALIGN | patch::SELF_GET => (&[], &[ValType::I32]),
            patch::SELF_SET => (&[ValType::I32], &[]),
            _ => return Err(Error::UnknownPatchImport(name.clone())),
        };
        if (ty.params(), ty.results()) != expected {
            return Err(Error::UnknownPatchImport(format!("{name} (unexpected signature)")));
        }
    }

    let self_ptr = m.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(0)));
    m.globals.get_mut(self_ptr).name = Some("wthreads_self".into());
    for (name, f) in patch_imports {
        let res = m.replace_imported_func(f, |(body, args)| {
            match name.as_str() {
                patch::TLS_SIZE => body.global_get(sym.tls_size),
                patch::TLS_ALIGN => body.global_get(sym.tls_align),
                patch::SELF_GET => body.global_get(self_ptr),
                _ => body.local_get(args[0]).global_set(self_ptr),
            };
        });
        res.map_err(|e| Error::Invalid(e.to_string()))?;
    }

    let arg = m.locals.add(ValType::I32);
    let stack_top = m.locals.add(ValType::I32);
    let tls_block = m.locals.add(ValType::I32);
    let mut start = FunctionBuilder::new(&mut m.types, &[ValType::I32; 3], &[]);
    start.name(conv::THREAD_START.into());
    start
        .func_body()
        .local_get(stack_top)
        .global_set(sym.stack_pointer)
        .local_get(tls_block)
        .call(sym.init_tls)
        .local_get(arg)
        .call(sym.entry);
    let start = start.finish(vec![arg, stack_top, tls_block], &mut m.funcs);
    m.exports.add(conv::THREAD_START, start);

    m.customs.add(walrus::RawCustomSection {
        name: conv::PATCHED_SECTION.into(),
        data: conv::PATCH_VERSION.to_string().into_bytes(),
    });
    Ok(())
}
