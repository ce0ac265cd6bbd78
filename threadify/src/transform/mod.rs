//! The patch itself, on a walrus module whose preconditions `check` has verified: a pipeline of
//! named passes ([`apply`] runs them in this order), each with a fixture of its own in
//! `tests/fixtures`:
//! - `patch_imports`: the `wthreads_patch` imports become code of the module (`minimal.wat`);
//! - `stack_check`: every move of the shadow stack pointer is checked (`stack_check.wat`);
//! - `inline_wait`: `wait32`/`wake` become instructions (a wait without timeout a watched host call) (`wait.wat`);
//! - `thread_start`: the export through which a host starts a thread (`reuse.wat`);
//! - `inline`: the calls of the functions of `patch_imports` that forward to one instruction
//!   become that instruction (`minimal.wat`);
//! - `mark_patched`: the marker section (every fixture's output carries it).

mod inline;
mod inline_wait;
mod patch_imports;
mod stack_check;
mod thread_start;

use crate::Error;
use crate::conventions as conv;
use walrus::ir::Value;
use walrus::{ConstExpr, ExportItem, FunctionId, GlobalId, Module, ValType};

/// What the patch adds besides per-thread stacks and TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Check every move of the shadow stack pointer against the thread's stack limit and
    /// report an overflow instead of writing below the stack (default: on). Costs a compare per
    /// frame a function carves out of the shadow stack, written in place (no call).
    pub stack_check: bool,
    /// Replace the runtime API imports `wthreads.wait32` and `wthreads.wake` with local
    /// functions that check the address like the host does and then execute
    /// `memory.atomic.wait32` / `memory.atomic.notify` (default: on), so a wake or a wait with a
    /// timeout costs no host call; a wait without one calls `wthreads.wait_watched`, so that the
    /// host can tell a deadlock. Off keeps the host calls (for a host that wants to see every
    /// wait).
    pub inline_wait: bool,
    /// With [`Options::inline_wait`], route the waits without a timeout through the host's
    /// `wait_watched` (default: on). Off inlines them too: the host can then tell no deadlock,
    /// and the waiters of a `Mutex` whose holder trapped are never woken to take it over. Only
    /// for measuring what the watch costs.
    pub watch_waits: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { stack_check: true, inline_wait: true, watch_waits: true }
    }
}

/// The item exported as `name`, as `kind` picks it out (`None`: an export of another kind).
fn exported<T>(m: &Module, name: &'static str, kind: impl Fn(ExportItem) -> Option<T>) -> Result<T, Error> {
    m.exports
        .iter()
        .filter(|e| e.name == name)
        .find_map(|e| kind(e.item))
        .ok_or_else(|| Error::Missing { name, detail: "is missing".into() })
}

/// Looks up an exported global and checks its type.
fn exported_global(m: &Module, name: &'static str, mutable: bool) -> Result<GlobalId, Error> {
    let id = exported(m, name, |item| match item {
        ExportItem::Global(g) => Some(g),
        _ => None,
    })?;
    let g = m.globals.get(id);
    if g.ty != ValType::I32 || (mutable && !g.mutable) {
        let want = if mutable { "a mutable i32 global" } else { "an i32 global" };
        return Err(Error::Missing { name, detail: format!("must be {want}") });
    }
    Ok(id)
}

/// Looks up an exported function and checks its signature.
fn exported_func(m: &Module, name: &'static str, params: &[ValType]) -> Result<FunctionId, Error> {
    let id = exported(m, name, |item| match item {
        ExportItem::Function(f) => Some(f),
        _ => None,
    })?;
    let ty = m.types.get(m.funcs.get(id).ty());
    if ty.params() != params || !ty.results().is_empty() {
        return Err(Error::Missing { name, detail: format!("must have type {params:?} -> []") });
    }
    Ok(id)
}

/// The symbols the patch uses, all resolved before anything changes.
pub(crate) struct Symbols {
    pub(crate) stack_pointer: GlobalId,
    pub(crate) tls_size: GlobalId,
    pub(crate) tls_align: GlobalId,
    pub(crate) init_tls: FunctionId,
    pub(crate) entry: FunctionId,
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

/// The per-instance globals the patch adds (each instance, so each thread, has its own).
pub(crate) struct Globals {
    /// The thread's control block pointer (`self_get`/`self_set`).
    pub(crate) self_ptr: GlobalId,
    /// The owner value it points at (`owner_get`; 0 while the pointer is null).
    pub(crate) owner: GlobalId,
    /// The lowest address the shadow stack pointer may take (0: no check).
    pub(crate) limit: GlobalId,
    /// The kind of the thread's last wait context event (`abi::NO_WAIT_CONTEXT`: none yet).
    pub(crate) wait_kind: GlobalId,
    /// The address of that event.
    pub(crate) wait_addr: GlobalId,
}

impl Globals {
    fn add(m: &mut Module) -> Globals {
        let mut global = |name: Option<&str>, init: i32| {
            let id = m.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(init)));
            m.globals.get_mut(id).name = name.map(Into::into);
            id
        };
        let globals = Globals {
            self_ptr: global(Some(conv::SELF_GLOBAL), 0),
            owner: global(None, 0),
            limit: global(Some(conv::STACK_LIMIT_GLOBAL), 0),
            wait_kind: global(None, wthreads::abi::NO_WAIT_CONTEXT),
            wait_addr: global(None, 0),
        };
        // A host that watches for deadlocks reads a joining thread's pointer (docs/abi.md).
        m.exports.add(conv::SELF_GLOBAL, globals.self_ptr);
        globals
    }
}

/// Applies the patch:
/// - replaces each `wthreads_patch` import with a local function over per-instance globals
///   (`tls_size`, `tls_align`: the lld globals; `self_get`/`self_set`: a new mutable global
///   that holds the thread's control block pointer, private to each thread's instance;
///   `owner_get`: a second one, which `self_set` fills with the owner value the pointer points
///   at, `wthreads::abi::OWNER_AT_THREAD_POINTER`);
/// - adds the export `wthreads_thread_start(start_arg, stack_top, tls_block, stack_limit)`,
///   which points `__stack_pointer` at the thread's own stack, initialises its TLS block with
///   `__wasm_init_tls`, sets the instance's stack limit, and calls the guest's
///   `wthreads_thread_entry(start_arg)`;
/// - with [`Options::stack_check`]: writes a compare of the new pointer with the instance's
///   limit after every `global.get $__stack_pointer; i32.const N; i32.sub` (a frame carved
///   out, also by leaf functions, which never write the pointer back) and before every other
///   `global.set $__stack_pointer` that may lower it; below the limit it calls the function it
///   adds, `wthreads_stack_overflowed`, which sets the limit to 0 (so the handler can run) and
///   calls the guest's `wthreads_stack_overflow` (or traps, if the guest has none);
/// - with [`Options::inline_wait`], replaces the imports `wthreads.wait32` and `wthreads.wake`
///   with local functions around `memory.atomic.wait32` and `memory.atomic.notify`, except that
///   a wait with no timeout calls the host's `wthreads.wait_watched`, which watches for
///   deadlocks (see `inline_wait`);
/// - replaces the calls of the functions above that forward to one instruction (`self_get`,
///   `owner_get`, `tls_size`, `tls_align`) with that instruction;
/// - adds the marker section, so a second patch is refused.
///
/// `wthreads_thread_start` first clears the instance's stack limit, thread pointer and owner
/// value, so a
/// host may run one thread after another in the same instance (a pool of ready instances). The
/// main thread's instance keeps the limit 0, which checks nothing.
///
/// Returns the number of stack-pointer moves checked.
pub fn apply(m: &mut Module, options: &Options) -> Result<usize, Error> {
    let sym = Symbols::resolve(m)?;
    if m.exports.iter().any(|e| e.name == conv::THREAD_START) {
        return Err(Error::AlreadyPatched);
    }
    let patch = patch_imports::check(m)?;
    // A module built without names (a stripped release build) stays without: what the patch
    // adds is named only where the module's own functions are.
    let named = m.funcs.iter().any(|f| f.name.is_some());
    let globals = Globals::add(m);
    let forwarders = patch_imports::replace(m, patch, &sym, &globals)?;
    let checked = if options.stack_check { stack_check::add(m, sym.stack_pointer, globals.limit) } else { 0 };
    if options.inline_wait {
        inline_wait::inline_wait(m, &globals, options.watch_waits)?;
    }
    thread_start::add(m, &sym, &globals);
    inline::forwarders(m, &forwarders);
    if !named {
        unname(m);
    }
    mark_patched(m);
    Ok(checked)
}

/// Every instruction sequence of `func`, outermost first: the sequences a pass that inserts
/// code walks (collected first, so that what it inserts is not walked again).
pub(crate) fn seqs(func: &walrus::LocalFunction) -> Vec<walrus::ir::InstrSeqId> {
    struct Seqs(Vec<walrus::ir::InstrSeqId>);
    impl<'i> walrus::ir::Visitor<'i> for Seqs {
        fn start_instr_seq(&mut self, seq: &'i walrus::ir::InstrSeq) {
            self.0.push(seq.id());
        }
    }
    let mut seqs = Seqs(Vec::new());
    walrus::ir::dfs_in_order(&mut seqs, func, func.entry_block());
    seqs.0
}

/// Removes every function's and global's name (the patch's own; the module had none).
fn unname(m: &mut Module) {
    for f in m.funcs.iter_mut() {
        f.name = None;
    }
    let globals: Vec<GlobalId> = m.globals.iter().map(|g| g.id()).collect();
    for g in globals {
        m.globals.get_mut(g).name = None;
    }
}

/// Adds the marker section (the patch version), so that a second patch is refused and hosts
/// know the module is ready.
fn mark_patched(m: &mut Module) {
    m.customs.add(walrus::RawCustomSection {
        name: conv::PATCHED_SECTION.into(),
        data: conv::PATCH_VERSION.to_string().into_bytes(),
    });
}
