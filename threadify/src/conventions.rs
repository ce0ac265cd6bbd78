//! Everything threadify knows about the names lld and the wthreads guest library use.

/// lld's shadow stack pointer (global, mutable i32, exported with `--export=__stack_pointer`).
pub const STACK_POINTER: &str = wthreads::abi::EXPORT_STACK_POINTER;
/// lld's per-instance TLS base (global, mutable i32).
pub const TLS_BASE: &str = "__tls_base";
/// Size of the TLS block (global i32).
pub const TLS_SIZE: &str = "__tls_size";
/// Alignment of the TLS block (global i32).
pub const TLS_ALIGN: &str = "__tls_align";
/// lld's `__wasm_init_tls(block: i32)`: copies `.tdata`, sets `__tls_base`.
pub const INIT_TLS: &str = "__wasm_init_tls";
/// The guest library's thread entry `(start_arg: i32)`.
pub const THREAD_ENTRY: &str = wthreads::abi::EXPORT_THREAD_ENTRY;
/// The export threadify adds: `(start_arg, stack_top, tls_block: i32)`.
pub const THREAD_START: &str = wthreads::abi::EXPORT_THREAD_START;
/// The import module whose functions threadify replaces.
pub const PATCH_MODULE: &str = wthreads::abi::PATCH_MODULE;
/// Marker section of a patched module; its content is [`PATCH_VERSION`] as a decimal string.
pub const PATCHED_SECTION: &str = wthreads::abi::PATCHED_SECTION;
/// Version of the transformation (bumped when the patched module's shape changes).
pub const PATCH_VERSION: u32 = 6;
/// The guest library's stack-overflow handler `() -> ()` (optional export): called by the
/// stack check, with the check turned off for the thread, to report the overflow and abort.
pub const STACK_OVERFLOW: &str = "wthreads_stack_overflow";

/// The export threadify gives the guest's event function (the `event` patch import).
pub const EVENT: &str = wthreads::abi::EXPORT_EVENT;
/// The import module of a traced module's recorder functions.
pub const TRACE_MODULE: &str = wthreads::abi::TRACE_MODULE;
/// The per-instance buffer memory of `trace --memory` (exported for the host to drain).
pub const TRACE_BUFFER: &str = wthreads::abi::EXPORT_TRACE_BUFFER;
/// The buffer's cursor global: bytes written (exported for the host to drain).
pub const TRACE_CURSOR: &str = wthreads::abi::EXPORT_TRACE_CURSOR;
/// The function `trace --memory` adds that records one access.
pub const TRACE_RECORD: &str = "wthreads_trace_record";
/// The function `trace --memory` adds that records a range access.
pub const TRACE_RECORD_RANGE: &str = "wthreads_trace_record_range";
/// The function `trace --memory` adds that records the write side of an atomic access.
pub const TRACE_RECORD_ATOMIC_WRITE: &str = "wthreads_trace_record_atomic_write";
/// The function `trace --memory` adds that records the read side of an atomic access.
pub const TRACE_RECORD_ATOMIC_READ: &str = "wthreads_trace_record_atomic_read";
/// The shared memory holding the trace's order counter, imported from [`TRACE_MODULE`].
pub const TRACE_ORDER: &str = wthreads::abi::TRACE_ORDER_MEMORY;

/// The per-instance global threadify adds for the thread's control block pointer.
pub const SELF_GLOBAL: &str = "wthreads_self";
/// The per-instance global threadify adds for the shadow stack's lower limit.
pub const STACK_LIMIT_GLOBAL: &str = "wthreads_stack_limit";
/// The function threadify adds that the stack checks call when a new shadow stack pointer is
/// below the limit.
pub const STACK_OVERFLOWED: &str = "wthreads_stack_overflowed";
/// The runtime API import that `inline_wait` turns into `memory.atomic.wait32`.
pub const WAIT32: &str = "wait32";
/// The runtime API import that `inline_wait` turns into `memory.atomic.notify`.
pub const WAKE: &str = "wake";

/// The `wthreads_patch` imports ([`wthreads::abi::PATCH_IMPORTS`], whose names and types these
/// are), as threadify implements them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PatchImport {
    /// `tls_size() -> i32`: `global.get $__tls_size`.
    TlsSize,
    /// `tls_align() -> i32`: `global.get $__tls_align`.
    TlsAlign,
    /// `self_get() -> i32`: reads the per-instance thread pointer.
    SelfGet,
    /// `self_set(i32)`: writes the per-instance thread pointer, and the owner value it points
    /// at ([`wthreads::abi::OWNER_AT_THREAD_POINTER`]; 0 for a null pointer) for `owner_get`.
    SelfSet,
    /// `owner_get() -> i32`: reads the owner value `self_set` kept (0: no thread pointer yet),
    /// which every lock takes without going through the thread pointer.
    OwnerGet,
    /// `event(kind, a, b, c)`: keeps the kind and address of the wait context events
    /// ([`wthreads::abi::WAIT_CONTEXT_EVENTS`]) and does nothing else; exported as [`EVENT`] so
    /// that `trace` finds its callers.
    Event,
}

impl PatchImport {
    /// Every patch import.
    pub const ALL: [PatchImport; 6] = [
        PatchImport::TlsSize,
        PatchImport::TlsAlign,
        PatchImport::SelfGet,
        PatchImport::SelfSet,
        PatchImport::OwnerGet,
        PatchImport::Event,
    ];

    /// Its name in module `wthreads_patch`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            PatchImport::TlsSize => "tls_size",
            PatchImport::TlsAlign => "tls_align",
            PatchImport::SelfGet => "self_get",
            PatchImport::SelfSet => "self_set",
            PatchImport::OwnerGet => "owner_get",
            PatchImport::Event => "event",
        }
    }

    /// The patch import named `name`, if there is one.
    #[must_use]
    pub fn from_name(name: &str) -> Option<PatchImport> {
        PatchImport::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Its entry in the runtime API's table (name and type).
    #[must_use]
    pub fn function(self) -> wthreads::abi::Function {
        match wthreads::abi::find(wthreads::abi::PATCH_IMPORTS, self.name()) {
            Some(f) => f,
            None => unreachable!("`patch_imports_are_the_table` holds every patch import to the table"),
        }
    }
}

/// The walrus type of a runtime API value type.
#[must_use]
pub fn val_type(v: &wthreads::abi::Val) -> walrus::ValType {
    match v {
        wthreads::abi::Val::I32 => walrus::ValType::I32,
        wthreads::abi::Val::I64 => walrus::ValType::I64,
    }
}

/// The module's function imports `wthreads.NAME` of the table's function `f` that have its type.
pub fn imports_of(m: &walrus::Module, f: wthreads::abi::Function) -> impl Iterator<Item = walrus::FunctionId> + '_ {
    m.imports.iter().filter_map(move |i| match i.kind {
        walrus::ImportKind::Function(id) if i.module == wthreads::abi::IMPORT_MODULE && i.name == f.name => {
            let ty = m.types.get(m.funcs.get(id).ty());
            let same = ty.params().iter().copied().eq(f.params.iter().map(val_type))
                && ty.results().iter().copied().eq(f.results.iter().map(val_type));
            same.then_some(id)
        }
        _ => None,
    })
}

/// Adds the import `module.NAME` of the table's function `f` (named so in the name section).
pub fn add_import(m: &mut walrus::Module, module: &str, f: wthreads::abi::Function) -> walrus::FunctionId {
    let params: Vec<walrus::ValType> = f.params.iter().map(val_type).collect();
    let results: Vec<walrus::ValType> = f.results.iter().map(val_type).collect();
    let ty = m.types.add(&params, &results);
    let id = m.add_import_func(module, f.name, ty).0;
    m.funcs.get_mut(id).name = Some(format!("{module}.{}", f.name));
    id
}

/// The start function wasm-bindgen adds: its output, which threadify does not take.
pub const BINDGEN_START: &str = wthreads::abi::EXPORT_BINDGEN_START;

/// Whether `module` is the import module of wasm-bindgen's glue (`./NAME_bg.js`).
pub fn is_bindgen_glue(module: &str) -> bool {
    module.starts_with("./") && module.ends_with(wthreads::abi::BINDGEN_GLUE_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::PatchImport;

    #[test]
    fn patch_imports_are_the_table() {
        let mine: Vec<&str> = PatchImport::ALL.iter().map(|p| p.name()).collect();
        let table: Vec<&str> = wthreads::abi::PATCH_IMPORTS.iter().map(|f| f.name).collect();
        assert_eq!(mine, table, "threadify's patch imports differ from wthreads::abi::PATCH_IMPORTS");
    }

    #[test]
    fn wait_and_wake_are_in_the_table() {
        for name in [super::WAIT32, super::WAKE] {
            assert!(wthreads::abi::find(wthreads::abi::IMPORTS, name).is_some(), "{name}");
        }
    }
}
