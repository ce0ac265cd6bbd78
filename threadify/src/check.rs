//! Checks every assumption threadify makes, with wasmparser, before the module is changed.

use crate::Error;
use crate::conventions as conv;
use wasmparser::{DataKind, ExternalKind, Parser, Payload, TypeRef};

/// What `inspect` learned about a module.
#[derive(Debug, Default)]
pub struct Facts {
    /// The module carries threadify's marker section.
    pub patched: bool,
    /// Names of the exports.
    pub exports: Vec<(String, ExternalKind)>,
}

/// Reads a module and reports whether threadify can patch it.
///
/// # Errors
/// [`Error::NotWasm`] for bytes that do not parse, [`Error::Memory`] for a memory that several
/// threads cannot share, [`Error::ActiveData`] for a data segment that every instance would
/// re-apply, [`Error::BindgenOutput`] for a module that wasm-bindgen already processed.
pub fn inspect(wasm: &[u8]) -> Result<Facts, Error> {
    let mut facts = Facts::default();
    let mut memories = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| Error::NotWasm(e.to_string()))? {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.map_err(|e| Error::NotWasm(e.to_string()))?;
                    if conv::is_bindgen_glue(imp.module) {
                        return Err(Error::BindgenOutput(format!("it imports `{}.{}`", imp.module, imp.name)));
                    }
                    if let TypeRef::Memory(m) = imp.ty {
                        memories.push((true, m));
                    }
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    memories.push((false, m.map_err(|e| Error::NotWasm(e.to_string()))?));
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(|e| Error::NotWasm(e.to_string()))?;
                    if e.name == conv::BINDGEN_START {
                        return Err(Error::BindgenOutput(format!("it exports `{}`", e.name)));
                    }
                    facts.exports.push((e.name.to_string(), e.kind));
                }
            }
            Payload::DataSection(r) => {
                for (index, d) in r.into_iter().enumerate() {
                    let d = d.map_err(|e| Error::NotWasm(e.to_string()))?;
                    if let DataKind::Active { .. } = d.kind {
                        return Err(Error::ActiveData { index, len: d.data.len() });
                    }
                }
            }
            Payload::CustomSection(c) if c.name() == conv::PATCHED_SECTION => facts.patched = true,
            _ => {}
        }
    }
    check_memory(&memories)?;
    Ok(facts)
}

fn check_memory(memories: &[(bool, wasmparser::MemoryType)]) -> Result<(), Error> {
    let (imported, mem) = match memories {
        [] => return Err(Error::Memory("module has no memory".into())),
        [one] => *one,
        more => return Err(Error::Memory(format!("module has {} memories; threads need exactly one", more.len()))),
    };
    if mem.memory64 {
        return Err(Error::Memory("memory is 64-bit (memory64), which wthreads does not support".into()));
    }
    if !mem.shared {
        return Err(Error::Memory("memory is not shared (link with --shared-memory and +atomics)".into()));
    }
    if !imported {
        return Err(Error::Memory(
            "memory is defined, not imported, so every thread's instance would get its own \
             (link with --import-memory)"
                .into(),
        ));
    }
    if mem.maximum.is_none() {
        return Err(Error::Memory("shared memory has no maximum (link with --max-memory=BYTES)".into()));
    }
    Ok(())
}
