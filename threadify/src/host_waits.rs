//! The form of a patched module whose host waits and wakes itself: every `memory.atomic.wait32`
//! and `memory.atomic.notify` on the shared memory replaced by a call of the runtime API's
//! `wthreads.wait32` / `wthreads.wake`.
//!
//! An engine's own wait and notify go through its parking table (wasmtime's: one mutex for the
//! whole process, a tree of addresses under it). A host that makes every wait and wake of the
//! module a call of its own can use the platform's futex on the word itself, as native code
//! does, but only if no wait or wake is left behind as an instruction: a waiter parked by one
//! mechanism is never woken by the other.

use crate::Error;
use crate::conventions as conv;
use std::collections::HashMap;
use walrus::ir::{BinaryOp, Call, Instr, UnaryOp};
use walrus::{FunctionBuilder, FunctionId, MemoryId, Module, ValType};
use wthreads::abi;

/// `wasm` (patched) with every 32-bit wait and every notify on its first memory (the shared
/// one) made a call of a small function that adds the instruction's offset, calls the import
/// `wthreads.wait32(addr, expected, timeout_ns) -> i32` or `wthreads.wake(addr, count) -> i32`
/// and traps where the instruction would (a misaligned or out-of-bounds address: the imports
/// return a negative error code there). A negative timeout waits forever in both, and the
/// results are the same. The module imports both functions afterwards, so that a host can tell
/// that its wakes reach every waiter (see `docs/abi.md`, "Waiting").
///
/// The module is returned unchanged if it has no memory or waits with `memory.atomic.wait64`
/// on it: the runtime API has no 64-bit wait, and that waiter would be woken by the engine only.
///
/// # Errors
/// [`Error::NotWasm`] if `wasm` is not a module or was not patched, [`Error::Invalid`] if the
/// result does not validate (a bug).
pub fn host_waits(wasm: &[u8]) -> Result<Vec<u8>, Error> {
    let (mut m, _) = crate::events::parse_patched(wasm)?;
    let Some(memory) = m.memories.iter().next().map(walrus::Memory::id) else { return Ok(wasm.to_vec()) };
    if has_wait64(&m, memory) {
        return Ok(wasm.to_vec());
    }
    let imports = Imports { wait32: import(&mut m, conv::WAIT32), wake: import(&mut m, conv::WAKE) };
    let mut wrappers: HashMap<(Kind, u64), FunctionId> = HashMap::new();
    let funcs: Vec<FunctionId> = m.funcs.iter_local().map(|(id, _)| id).collect();
    for id in funcs {
        // Collected first: a wrapper is added to the module while no function is borrowed.
        let func = m.funcs.get(id).kind.unwrap_local();
        let mut sites = Vec::new();
        for seq in crate::transform::seqs(func) {
            for (i, (instr, _)) in func.block(seq).instrs.iter().enumerate() {
                let site = match instr {
                    Instr::AtomicWait(w) if w.memory == memory => (Kind::Wait, w.arg.offset),
                    Instr::AtomicNotify(n) if n.memory == memory => (Kind::Wake, n.arg.offset),
                    _ => continue,
                };
                sites.push((seq, i, site));
            }
        }
        for (seq, i, site) in sites {
            let wrapper = *wrappers.entry(site).or_insert_with(|| wrapper(&mut m, &imports, site));
            let func = m.funcs.get_mut(id).kind.unwrap_local_mut();
            func.block_mut(seq).instrs[i].0 = Instr::Call(Call { func: wrapper });
        }
    }
    let out = m.emit_wasm();
    crate::validate(&out)?;
    Ok(out)
}

/// Which instruction a wrapper stands for.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Wait,
    Wake,
}

/// The runtime API's two functions, as the module imports them.
struct Imports {
    wait32: FunctionId,
    wake: FunctionId,
}

/// Whether a function of `m` waits on `memory` with `memory.atomic.wait64`.
fn has_wait64(m: &Module, memory: MemoryId) -> bool {
    m.funcs.iter_local().any(|(_, func)| {
        crate::transform::seqs(func).into_iter().any(|seq| {
            func.block(seq)
                .instrs
                .iter()
                .any(|(instr, _)| matches!(instr, Instr::AtomicWait(w) if w.memory == memory && w.sixty_four))
        })
    })
}

/// The module's import `wthreads.NAME` of the runtime API's type, added if it has none.
fn import(m: &mut Module, name: &str) -> FunctionId {
    let f = abi::find(abi::IMPORTS, name).expect("the runtime API table has wait32 and wake");
    let existing = conv::imports_of(m, f).next();
    existing.unwrap_or_else(|| conv::add_import(m, abi::IMPORT_MODULE, f))
}

/// A function with the instruction's operands as parameters and its result: adds `offset` to
/// the address (trapping past 4 GiB, as the instruction does), calls the import and traps on
/// a negative result.
fn wrapper(m: &mut Module, imports: &Imports, (kind, offset): (Kind, u64)) -> FunctionId {
    let (params, import): (&[ValType], FunctionId) = match kind {
        Kind::Wait => (&[ValType::I32, ValType::I32, ValType::I64], imports.wait32),
        Kind::Wake => (&[ValType::I32, ValType::I32], imports.wake),
    };
    let args: Vec<_> = params.iter().map(|&t| m.locals.add(t)).collect();
    let at = m.locals.add(ValType::I64);
    let result = m.locals.add(ValType::I32);
    let mut f = FunctionBuilder::new(&mut m.types, params, &[ValType::I32]);
    let mut body = f.func_body();
    body.local_get(args[0])
        .unop(UnaryOp::I64ExtendUI32)
        .i64_const(offset.cast_signed())
        .binop(BinaryOp::I64Add)
        .local_tee(at)
        .i64_const(i64::from(u32::MAX))
        .binop(BinaryOp::I64GtU)
        .if_else(
            None,
            |past| {
                past.unreachable();
            },
            |_| {},
        );
    body.local_get(at).unop(UnaryOp::I32WrapI64);
    for &arg in &args[1..] {
        body.local_get(arg);
    }
    body.call(import).local_tee(result).i32_const(0).binop(BinaryOp::I32LtS).if_else(
        None,
        |failed| {
            failed.unreachable();
        },
        |_| {},
    );
    body.local_get(result);
    f.finish(args, &mut m.funcs)
}
