//! The checks of a module before anything runs: its memory, its imports against the runtime
//! API's table, and the types of the exports a host calls.

use crate::error::Error;
use crate::imports;
use wasmtime::{Engine, ExternType, Module, SharedMemory};
use wthreads::abi;

/// Checks the memory import and creates the shared memory every instance imports.
pub(crate) fn check_memory(module: &Module, engine: &Engine) -> Result<SharedMemory, Error> {
    for imp in module.imports() {
        if let ("env", "memory", ExternType::Memory(ty)) = (imp.module(), imp.name(), imp.ty()) {
            if !ty.is_shared() {
                return Err(Error::Module("memory `env.memory` is not shared".into()));
            }
            return SharedMemory::new(engine, ty)
                .map_err(|e| Error::Module(format!("cannot create the shared memory: {e}")));
        }
    }
    Err(Error::Module("module does not import a shared memory `env.memory`".into()))
}

/// Checks every other import against the runtime API's table ([`abi::IMPORTS`]), before anything
/// runs; an import of another module must be one the linker defines (`defined`). `traced`: the
/// module was instrumented for a trace.
pub(crate) fn check_imports(
    module: &Module,
    traced: bool,
    mut defined: impl FnMut(&str, &str) -> bool,
) -> Result<(), Error> {
    for imp in module.imports() {
        match (imp.module(), imp.name(), imp.ty()) {
            ("env", "memory", ExternType::Memory(_)) => {}
            (abi::TRACE_MODULE, _, _) if traced => {}
            (abi::IMPORT_MODULE, name, ty) => {
                let Some(expected) = abi::find(abi::IMPORTS, name).map(|f| f.signature().to_string()) else {
                    return Err(Error::Module(format!(
                        "module imports `wthreads.{name}`, which runtime API v{} does not have (built for another version?)",
                        abi::ABI_VERSION
                    )));
                };
                let found = match ty {
                    ExternType::Func(f) => imports::signature(&f),
                    other => format!("a {}", extern_kind(&other)),
                };
                if found != expected {
                    return Err(Error::Module(format!(
                        "import `wthreads.{name}` has type {found}, but runtime API v{} defines it as {expected}",
                        abi::ABI_VERSION
                    )));
                }
            }
            (m, n, _) if !defined(m, n) => {
                return Err(Error::Module(format!(
                    "unsupported import `{m}.{n}`: the wthreads runtime provides only `env.memory` and the `wthreads` module, and the embedder defines no `{m}.{n}` beside them"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks the types of the exports a host calls ([`abi::EXPORTS`]); run once the module's
/// version is known to be this host's, so that an older module gets the version message.
pub(crate) fn check_exports(module: &Module) -> Result<(), Error> {
    for f in abi::EXPORTS {
        let expected = f.signature().to_string();
        let found = match module.get_export(f.name) {
            Some(ExternType::Func(ty)) => imports::signature(&ty),
            Some(other) => format!("a {}", extern_kind(&other)),
            None => return Err(Error::Module(format!("module has no `{}` export", f.name))),
        };
        if found != expected {
            return Err(Error::Module(format!(
                "export `{}` has type {found}, but runtime API v{} defines it as {expected}",
                f.name,
                abi::ABI_VERSION
            )));
        }
    }
    Ok(())
}

/// The kind of an import that is not a function, for messages.
fn extern_kind(ty: &ExternType) -> &'static str {
    match ty {
        ExternType::Func(_) => "function",
        ExternType::Global(_) => "global",
        ExternType::Table(_) => "table",
        ExternType::Memory(_) => "memory",
        ExternType::Tag(_) => "tag",
    }
}
