//! The patch itself, on a walrus module whose preconditions `check` has verified.

use crate::Error;
use crate::conventions::{self as conv, PatchImport};
use walrus::ir::{BinaryOp, Call, GlobalSet, Instr, InstrSeq, MemArg, UnaryOp, Value, VisitorMut};
use walrus::{ConstExpr, ExportItem, FunctionBuilder, FunctionId, GlobalId, MemoryId, Module, ValType};
use wthreads::abi;

/// What the patch adds besides per-thread stacks and TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Check every move of the shadow stack pointer against the thread's stack limit and
    /// report an overflow instead of writing below the stack (default: on). Costs a call and
    /// a compare per function that uses the shadow stack, on entry and exit.
    pub stack_check: bool,
    /// Replace the runtime API imports `wthreads.wait32` and `wthreads.wake` with local
    /// functions that check the address like the host does and then execute
    /// `memory.atomic.wait32` / `memory.atomic.notify` (default: on), so a wait or a wake costs
    /// no host call. Off keeps the host calls (for a host that wants to see every wait).
    pub inline_wait: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { stack_check: true, inline_wait: true }
    }
}

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
/// - adds the export `wthreads_thread_start(start_arg, stack_top, tls_block, stack_limit)`,
///   which points `__stack_pointer` at the thread's own stack, initialises its TLS block with
///   `__wasm_init_tls`, sets the instance's stack limit, and calls the guest's
///   `wthreads_thread_entry(start_arg)`;
/// - with [`Options::stack_check`]: adds `wthreads_stack_check(new_sp) -> new_sp`, which
///   calls the guest's `wthreads_stack_overflow` (or traps, if the guest has none) when
///   `new_sp` is below the instance's limit, after setting the limit to 0 so the handler can
///   run; and inserts a call to it before every `global.set $__stack_pointer` of the module and
///   after every `global.get $__stack_pointer; i32.const N; i32.sub` (a frame carved out, also
///   by leaf functions, which never write the pointer back);
/// - with [`Options::inline_wait`], replaces the imports `wthreads.wait32` and `wthreads.wake`
///   with local functions around `memory.atomic.wait32` and `memory.atomic.notify` (see
///   [`inline_wait`]);
/// - adds the marker section, so a second patch is refused.
///
/// `wthreads_thread_start` first clears the instance's stack limit and thread pointer, so a
/// host may run one thread after another in the same instance (a pool of ready instances). The
/// main thread's instance keeps the limit 0, which checks nothing.
///
/// Returns the number of stack-pointer writes checked.
pub fn apply(m: &mut Module, options: &Options) -> Result<usize, Error> {
    let sym = Symbols::resolve(m)?;
    if m.exports.iter().any(|e| e.name == conv::THREAD_START) {
        return Err(Error::AlreadyPatched);
    }

    // Check every patch import before replacing any.
    let patch_imports: Vec<(PatchImport, FunctionId)> = m
        .imports
        .iter()
        .filter(|i| i.module == conv::PATCH_MODULE)
        .map(|i| match (PatchImport::from_name(&i.name), &i.kind) {
            (Some(p), walrus::ImportKind::Function(f)) => Ok((p, *f)),
            _ => Err(Error::UnknownPatchImport(i.name.clone())),
        })
        .collect::<Result<_, _>>()?;
    for (p, f) in &patch_imports {
        let ty = m.types.get(m.funcs.get(*f).ty());
        let want = p.function();
        let val = |v: &abi::Val| match v {
            abi::Val::I32 => ValType::I32,
            abi::Val::I64 => ValType::I64,
        };
        let expected: (Vec<ValType>, Vec<ValType>) =
            (want.params.iter().map(val).collect(), want.results.iter().map(val).collect());
        if (ty.params(), ty.results()) != (&expected.0[..], &expected.1[..]) {
            return Err(Error::UnknownPatchImport(format!("{} (unexpected signature)", p.name())));
        }
    }

    let self_ptr = m.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(0)));
    m.globals.get_mut(self_ptr).name = Some("wthreads_self".into());
    let limit = m.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(0)));
    m.globals.get_mut(limit).name = Some("wthreads_stack_limit".into());
    for (p, f) in patch_imports {
        let res = m.replace_imported_func(f, |(body, args)| {
            match p {
                PatchImport::TlsSize => body.global_get(sym.tls_size),
                PatchImport::TlsAlign => body.global_get(sym.tls_align),
                PatchImport::SelfGet => body.global_get(self_ptr),
                PatchImport::SelfSet => body.local_get(args[0]).global_set(self_ptr),
            };
        });
        res.map_err(|e| Error::Invalid(e.to_string()))?;
    }

    let checked = if options.stack_check { add_stack_check(m, sym.stack_pointer, limit) } else { 0 };
    if options.inline_wait {
        inline_wait(m)?;
    }

    let arg = m.locals.add(ValType::I32);
    let stack_top = m.locals.add(ValType::I32);
    let tls_block = m.locals.add(ValType::I32);
    let stack_limit = m.locals.add(ValType::I32);
    let mut start = FunctionBuilder::new(&mut m.types, &[ValType::I32; 4], &[]);
    start.name(conv::THREAD_START.into());
    // A reused instance still holds the previous thread's thread pointer; the limit is set
    // only once the stack pointer and TLS block are the new thread's.
    start
        .func_body()
        .i32_const(0)
        .global_set(limit)
        .i32_const(0)
        .global_set(self_ptr)
        .local_get(stack_top)
        .global_set(sym.stack_pointer)
        .local_get(tls_block)
        .call(sym.init_tls)
        .local_get(stack_limit)
        .global_set(limit)
        .local_get(arg)
        .call(sym.entry);
    let start = start.finish(vec![arg, stack_top, tls_block, stack_limit], &mut m.funcs);
    m.exports.add(conv::THREAD_START, start);

    m.customs.add(walrus::RawCustomSection {
        name: conv::PATCHED_SECTION.into(),
        data: conv::PATCH_VERSION.to_string().into_bytes(),
    });
    Ok(checked)
}

/// Replaces the runtime imports `wthreads.wait32(addr, expected, timeout_ns) -> i32` and
/// `wthreads.wake(addr, count) -> i32` (when the module has them with these types) with local
/// functions that return the host's error codes for a misaligned or out-of-bounds address
/// (`ERR_MISALIGNED`, `ERR_OUT_OF_BOUNDS`: the instructions would trap instead) and otherwise
/// execute `memory.atomic.wait32` / `memory.atomic.notify`. Their results already are the
/// ABI's (`WAIT_WOKEN`, `WAIT_NOT_EQUAL`, `WAIT_TIMED_OUT`; the number woken), a negative
/// timeout waits forever in both, and a host's own `notify` on the shared memory (the end of a
/// thread) wakes them. Returns how many imports were replaced.
///
/// # Errors
/// [`Error::Invalid`] if walrus refuses the replacement (a bug).
pub fn inline_wait(m: &mut Module) -> Result<usize, Error> {
    let Some(memory) = m.memories.iter().next().map(|mem| mem.id()) else { return Ok(0) };
    let wanted: [(&str, &[ValType]); 2] =
        [("wait32", &[ValType::I32, ValType::I32, ValType::I64]), ("wake", &[ValType::I32, ValType::I32])];
    let found: Vec<(&str, FunctionId)> = m
        .imports
        .iter()
        .filter(|i| i.module == abi::IMPORT_MODULE)
        .filter_map(|i| match i.kind {
            walrus::ImportKind::Function(f) => wanted.iter().find(|(n, _)| *n == i.name).and_then(|(name, params)| {
                let ty = m.types.get(m.funcs.get(f).ty());
                (ty.params() == *params && ty.results() == [ValType::I32]).then_some((*name, f))
            }),
            _ => None,
        })
        .collect();
    let arg = MemArg { align: 4, offset: 0 };
    for (name, f) in &found {
        let res = m.replace_imported_func(*f, |(body, args)| {
            check_futex_addr(body, memory, args[0]);
            match *name {
                "wait32" => {
                    body.local_get(args[0]).local_get(args[1]).local_get(args[2]).atomic_wait(memory, arg, false)
                }
                _ => body.local_get(args[0]).local_get(args[1]).atomic_notify(memory, arg),
            };
        });
        res.map_err(|e| Error::Invalid(e.to_string()))?;
    }
    Ok(found.len())
}

/// Returns `ERR_MISALIGNED` unless `addr` is 4-aligned and `ERR_OUT_OF_BOUNDS` unless the
/// word at `addr` lies inside the memory's current size (computed in 64 bits: no overflow).
fn check_futex_addr(body: &mut walrus::InstrSeqBuilder<'_>, memory: MemoryId, addr: walrus::LocalId) {
    body.local_get(addr).i32_const(3).binop(BinaryOp::I32And).if_else(
        None,
        |bad| {
            bad.i32_const(abi::ERR_MISALIGNED).return_();
        },
        |_| {},
    );
    body.local_get(addr)
        .unop(UnaryOp::I64ExtendUI32)
        .i64_const(4)
        .binop(BinaryOp::I64Add)
        .memory_size(memory)
        .unop(UnaryOp::I64ExtendUI32)
        .i64_const(16)
        .binop(BinaryOp::I64Shl)
        .binop(BinaryOp::I64GtU)
        .if_else(
            None,
            |bad| {
                bad.i32_const(abi::ERR_OUT_OF_BOUNDS).return_();
            },
            |_| {},
        );
}

/// Adds `wthreads_stack_check` and calls it before every write of the stack pointer in the
/// module's functions; returns how many writes it guards.
fn add_stack_check(m: &mut Module, stack_pointer: GlobalId, limit: GlobalId) -> usize {
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
    check.name("wthreads_stack_check".into());
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
