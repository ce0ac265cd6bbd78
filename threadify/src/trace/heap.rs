//! `trace --memory`: the heap's blocks, so that a race report can say which thread allocated
//! the racing memory. Every call of a global allocator's `alloc`, `alloc_zeroed`, `realloc` and
//! `dealloc` (the `GlobalAlloc` impl's functions, found by name) is wrapped: a `HEAP_FREE` event
//! before a block is given back, so before another thread can be given it, and a `HEAP_ALLOC`
//! event with the block after the call returns it (`docs/trace.md`). Calls through a table are
//! not seen, nor allocators whose functions the compiler inlined into their callers: their
//! blocks are only "heap" in a report.

use super::instrs::{call, get, konst, set, tee};
use walrus::ir::{Call, Const, Instr, UnaryOp, Unop, Value};
use walrus::{FunctionId, LocalId, Module, ValType};
use wthreads::abi;

/// Which allocator function a call calls.
#[derive(Clone, Copy)]
enum Kind {
    /// `alloc(&self, layout) -> *mut u8` (and `alloc_zeroed`).
    Alloc,
    /// `dealloc(&self, ptr, layout)`.
    Dealloc,
    /// `realloc(&self, ptr, layout, new_size) -> *mut u8`.
    Realloc,
}

/// The allocator functions of a module and the scratch locals of their calls' wrapping.
pub(super) struct Heap {
    functions: Vec<(FunctionId, Kind)>,
    /// The block, the layout's two words, the new size, the result.
    ptr: LocalId,
    words: [LocalId; 2],
    size: LocalId,
    result: LocalId,
}

impl Heap {
    /// Finds the allocator functions among `functions` (id and demangled name) by their names
    /// and types.
    pub(super) fn find(m: &mut Module, functions: &[(FunctionId, u32, Option<String>)]) -> Heap {
        let found = functions
            .iter()
            .filter_map(|(id, _, name)| {
                let (_, method) = name.as_deref()?.split_once(" as core::alloc::global::GlobalAlloc>::")?;
                let ty = m.types.get(m.funcs.get(*id).ty());
                let (params, results) = (ty.params().len(), ty.results().len());
                let kind = match (method, params, results) {
                    ("alloc" | "alloc_zeroed", 3, 1) => Kind::Alloc,
                    ("dealloc", 4, 0) => Kind::Dealloc,
                    ("realloc", 5, 1) => Kind::Realloc,
                    _ => return None,
                };
                let all_i32 = ty.params().iter().chain(ty.results()).all(|t| *t == ValType::I32);
                all_i32.then_some((*id, kind))
            })
            .collect();
        let mut local = || m.locals.add(ValType::I32);
        Heap { functions: found, ptr: local(), words: [local(), local()], size: local(), result: local() }
    }

    /// The instructions that replace `instr` if it calls an allocator function: the call with
    /// its events, each recorded by `event` (the tracing host's import) with the site `site`
    /// gives.
    pub(super) fn rewrite(
        &self,
        instr: &Instr,
        event: FunctionId,
        site: &mut dyn FnMut() -> i32,
    ) -> Option<Vec<Instr>> {
        let Instr::Call(Call { func }) = instr else { return None };
        let kind = self.functions.iter().find(|(f, _)| f == func)?.1;
        let [x, y] = self.words;
        let record =
            |out: &mut Vec<Instr>, kind: i32, a: LocalId, b: Option<LocalId>, c: Option<LocalId>, site: i32| {
                out.extend([konst(kind), get(a), b.map_or_else(|| konst(0), get)]);
                match c {
                    Some(c) => out.extend([get(c), Instr::Unop(Unop { op: UnaryOp::I64ExtendUI32 })]),
                    None => out.push(Instr::Const(Const { value: Value::I64(0) })),
                }
                out.extend([konst(site), call(event)]);
            };
        // The arguments (the allocator itself stays on the stack) go to locals and back.
        let mut out = Vec::new();
        match kind {
            Kind::Alloc => {
                out.extend([set(y), set(x), get(x), get(y), instr.clone(), tee(self.result)]);
                record(&mut out, abi::HEAP_ALLOC, self.result, Some(x), Some(y), site());
            }
            Kind::Dealloc => {
                out.extend([set(y), set(x), set(self.ptr)]);
                record(&mut out, abi::HEAP_FREE, self.ptr, None, None, site());
                out.extend([get(self.ptr), get(x), get(y), instr.clone()]);
            }
            Kind::Realloc => {
                out.extend([set(self.size), set(y), set(x), set(self.ptr)]);
                record(&mut out, abi::HEAP_FREE, self.ptr, None, None, site());
                out.extend([get(self.ptr), get(x), get(y), get(self.size), instr.clone(), tee(self.result)]);
                record(&mut out, abi::HEAP_ALLOC, self.result, Some(self.size), None, site());
            }
        }
        Some(out)
    }
}
