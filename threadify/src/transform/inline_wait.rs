//! Pass: replace the host calls `wait32` and `wake` with the wasm instructions, except for
//! waits without a timeout, which the host watches for deadlocks (`wait_watched`).

use super::Globals;
use crate::Error;
use crate::conventions as conv;
use walrus::ir::{BinaryOp, MemArg, UnaryOp};
use walrus::{FunctionId, MemoryId, Module, ValType};
use wthreads::abi;

/// Replaces the runtime imports `wthreads.wait32(addr, expected, timeout_ns) -> i32` and
/// `wthreads.wake(addr, count) -> i32` (when the module has them with these types) with local
/// functions that return the host's error codes for a misaligned or out-of-bounds address
/// (`ERR_MISALIGNED`, `ERR_OUT_OF_BOUNDS`: the instructions would trap instead) and otherwise
/// execute `memory.atomic.wait32` / `memory.atomic.notify`. Their results already are the
/// ABI's (`WAIT_WOKEN`, `WAIT_NOT_EQUAL`, `WAIT_TIMED_OUT`; the number woken), a negative
/// timeout waits forever in both, and a host's own `notify` on the shared memory (the end of a
/// thread) wakes them. A wait with a negative timeout (none) calls the runtime API's
/// `wait_watched(addr, expected, what, what_addr, thread)` instead, with the instance's wait
/// context globals and thread pointer (`globals`), so that the host knows who waits for what
/// (unless `watch` is off: then it is inlined as well). Returns how many imports were replaced.
///
/// # Errors
/// [`Error::Invalid`] if walrus refuses the replacement (a bug).
pub(crate) fn inline_wait(m: &mut Module, globals: &Globals, watch: bool) -> Result<usize, Error> {
    let Some(memory) = m.memories.iter().next().map(|mem| mem.id()) else { return Ok(0) };
    let found: Vec<(&str, FunctionId)> = [conv::WAIT32, conv::WAKE]
        .into_iter()
        .filter_map(|name| abi::find(abi::IMPORTS, name).map(|f| (name, f)))
        .flat_map(|(name, f)| conv::imports_of(m, f).map(move |id| (name, id)))
        .collect();
    let watched = (watch && found.iter().any(|(name, _)| *name == conv::WAIT32)).then(|| watched_wait(m));
    let arg = MemArg { align: 4, offset: 0 };
    for (name, f) in &found {
        let res = m.replace_imported_func(*f, |(body, args)| {
            check_futex_addr(body, memory, args[0]);
            match (*name, watched) {
                (conv::WAIT32, Some(watched)) => {
                    let (addr, expected, timeout) = (args[0], args[1], args[2]);
                    body.local_get(timeout).i64_const(0).binop(BinaryOp::I64LtS).if_else(
                        ValType::I32,
                        |forever| {
                            forever
                                .local_get(addr)
                                .local_get(expected)
                                .global_get(globals.wait_kind)
                                .global_get(globals.wait_addr)
                                .global_get(globals.self_ptr)
                                .call(watched);
                        },
                        |timed| {
                            timed
                                .local_get(addr)
                                .local_get(expected)
                                .local_get(timeout)
                                .atomic_wait(memory, arg, false);
                        },
                    )
                }
                (conv::WAIT32, None) => {
                    body.local_get(args[0]).local_get(args[1]).local_get(args[2]).atomic_wait(memory, arg, false)
                }
                _ => body.local_get(args[0]).local_get(args[1]).atomic_notify(memory, arg),
            };
        });
        res.map_err(|e| Error::Invalid(e.to_string()))?;
    }
    Ok(found.len())
}

/// Imports the runtime API's `wthreads.wait_watched`.
fn watched_wait(m: &mut Module) -> FunctionId {
    let f = abi::find(abi::IMPORTS, abi::WAIT_WATCHED).expect("the runtime API table has wait_watched");
    conv::add_import(m, abi::IMPORT_MODULE, f)
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
