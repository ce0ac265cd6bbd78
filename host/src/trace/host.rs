//! The tracing host's side of an instrumented module: the `wthreads_trace` imports
//! ([`abi::TRACE_IMPORTS`]) and the draining of each instance's access buffer (`--memory`),
//! which happens at every one of those calls, so that a thread's accesses keep their place
//! among its events, and when the thread's code returns.

use crate::runtime::Ctx;
use wasmtime::{AsContextMut, Caller, Linker, Val};
use wthreads::abi;

/// An instance's access buffer and its cursor (`--memory`).
#[derive(Clone, Copy)]
pub struct Buffer {
    memory: wasmtime::Memory,
    cursor: wasmtime::Global,
}

impl Buffer {
    /// The buffer of `instance`, if it was instrumented with `--memory`.
    pub fn of(instance: &wasmtime::Instance, mut store: impl AsContextMut) -> Option<Buffer> {
        let memory = instance.get_memory(&mut store, abi::EXPORT_TRACE_BUFFER)?;
        let cursor = instance.get_global(&mut store, abi::EXPORT_TRACE_CURSOR)?;
        Some(Buffer { memory, cursor })
    }
}

/// Hands the accesses the instance's buffer holds to the recorder and empties it.
pub fn drain(mut store: impl AsContextMut<Data = Ctx>) {
    let mut cx = store.as_context_mut();
    let (Some(buffer), Some(recorder)) = (cx.data().buffer, cx.data().rt.options.trace.clone()) else { return };
    let bytes = buffer.cursor.get(&mut cx).i32().and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
    if bytes == 0 {
        return;
    }
    let tid = cx.data().tid;
    let data = buffer.memory.data(&cx);
    recorder.accesses(tid, &data[..bytes.min(data.len())]);
    buffer.cursor.set(&mut cx, Val::I32(0)).ok();
}

/// Defines the functions of module `wthreads_trace` that an instrumented module imports: the
/// guest's events and atomic accesses go to the run's recorder, each after the accesses
/// before it.
///
/// # Errors
/// Only if wasmtime rejects a definition (a bug).
pub fn define(linker: &mut Linker<Ctx>) -> wasmtime::Result<()> {
    let m = abi::TRACE_MODULE;
    linker.func_wrap(m, "event", |mut c: Caller<'_, Ctx>, kind: i32, a: i32, b: i32, x: i64, site: i32| {
        drain(&mut c);
        let ctx = c.data();
        ctx.rt.trace(ctx.tid, kind, (a.cast_unsigned(), b.cast_unsigned(), x), site.cast_unsigned(), None);
    })?;
    linker.func_wrap(m, "at", |mut c: Caller<'_, Ctx>, site: i32| {
        drain(&mut c);
        c.data_mut().site = site.cast_unsigned();
    })?;
    linker.func_wrap(m, "flush", |mut c: Caller<'_, Ctx>, _bytes: i32| drain(&mut c))?;
    linker.func_wrap(m, "atomic", |mut c: Caller<'_, Ctx>, addr: i32, site: i32| {
        drain(&mut c);
        let ctx = c.data();
        ctx.rt.trace(ctx.tid, abi::MEMORY_ATOMIC, (addr.cast_unsigned(), 0, 0), site.cast_unsigned(), None);
    })?;
    Ok(())
}
