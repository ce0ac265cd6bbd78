//! Instructions that the rewrites insert, built by name.

use walrus::ir::{Call, Const, Instr, LocalGet, LocalSet, LocalTee, Value};
use walrus::{FunctionId, LocalId};

/// `i32.const v`.
pub(super) fn konst(v: i32) -> Instr {
    Instr::Const(Const { value: Value::I32(v) })
}
/// `call func`.
pub(super) fn call(func: FunctionId) -> Instr {
    Instr::Call(Call { func })
}
/// `local.get local`.
pub(super) fn get(local: LocalId) -> Instr {
    Instr::LocalGet(LocalGet { local })
}
/// `local.set local`.
pub(super) fn set(local: LocalId) -> Instr {
    Instr::LocalSet(LocalSet { local })
}
/// `local.tee local`.
pub(super) fn tee(local: LocalId) -> Instr {
    Instr::LocalTee(LocalTee { local })
}
