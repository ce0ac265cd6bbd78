//! Pass: add `wthreads_thread_start`, through which a host starts a thread in an instance.

use super::{Globals, Symbols};
use crate::conventions as conv;
use walrus::{FunctionBuilder, Module, ValType};

/// Adds the export `wthreads_thread_start(start_arg, stack_top, tls_block, stack_limit)`: it
/// clears the instance's stack limit, thread pointer and owner value (a reused instance still
/// holds the previous thread's), points `__stack_pointer` at the thread's stack, initialises its TLS block
/// with `__wasm_init_tls`, sets the limit, and calls the guest's
/// `wthreads_thread_entry(start_arg)`. The limit is set last: the stack pointer must not be
/// checked against it before it is the new thread's.
pub(crate) fn add(m: &mut Module, sym: &Symbols, globals: &Globals) {
    let arg = m.locals.add(ValType::I32);
    let stack_top = m.locals.add(ValType::I32);
    let tls_block = m.locals.add(ValType::I32);
    let stack_limit = m.locals.add(ValType::I32);
    let mut start = FunctionBuilder::new(&mut m.types, &[ValType::I32; 4], &[]);
    start.name(conv::THREAD_START.into());
    start
        .func_body()
        .i32_const(0)
        .global_set(globals.limit)
        .i32_const(0)
        .global_set(globals.self_ptr)
        .i32_const(0)
        .global_set(globals.owner)
        .local_get(stack_top)
        .global_set(sym.stack_pointer)
        .local_get(tls_block)
        .call(sym.init_tls)
        .local_get(stack_limit)
        .global_set(globals.limit)
        .local_get(arg)
        .call(sym.entry);
    let start = start.finish(vec![arg, stack_top, tls_block, stack_limit], &mut m.funcs);
    m.exports.add(conv::THREAD_START, start);
}
