//! The tracing host's side of an instrumented module: the `wthreads_trace` imports
//! ([`abi::TRACE_IMPORTS`]) and the draining of each instance's access buffer (`--memory`),
//! which happens at every one of those calls, so that a thread's accesses keep their place
//! among its events, and when the thread's code returns.

use crate::runtime::Ctx;
use wasmtime::{AsContextMut, Caller, Linker, SharedMemory, Store, Val};
use wthreads::abi;

/// An instance's access buffer and its cursor (`--memory`).
#[derive(Clone, Copy)]
pub struct Buffer {
    memory: wasmtime::Memory,
    cursor: wasmtime::Global,
}

impl Buffer {
    /// Gives the thread of `store` the buffer of `instance` (if it was instrumented with
    /// `--memory`) and records what instantiating it accessed (the start function's
    /// initialisation of memory), so that those accesses precede the thread's events.
    pub fn attach(instance: &wasmtime::Instance, store: &mut Store<Ctx>) {
        let memory = instance.get_memory(&mut *store, abi::EXPORT_TRACE_BUFFER);
        let cursor = instance.get_global(&mut *store, abi::EXPORT_TRACE_CURSOR);
        store.data_mut().buffer = memory.zip(cursor).map(|(memory, cursor)| Buffer { memory, cursor });
        drain(store);
    }
}

/// Hands the accesses the instance's buffer holds to the recorder and empties it.
pub fn drain(mut store: impl AsContextMut<Data = Ctx>) {
    let mut cx = store.as_context_mut();
    let Some(buffer) = cx.data().buffer else { return };
    let bytes = buffer.cursor.get(&mut cx).i32().and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
    if bytes == 0 {
        return;
    }
    let ctx = cx.data();
    if let Some(recorder) = &ctx.rt.options.trace {
        let data = buffer.memory.data(&cx);
        recorder.accesses(ctx.tid, &data[..bytes.min(data.len())]);
    }
    buffer.cursor.set(&mut cx, Val::I32(0)).ok();
}

/// While this lives, the thread of a store blocks (`Recorder::block`): it hands over what its
/// instance buffered first, and is dropped before the thread can take a `seq` again.
pub struct Blocked(Option<(std::sync::Arc<crate::trace::Recorder>, i32)>);

impl Blocked {
    /// The thread of `store` blocks, if the run is traced: its instance's accesses are drained
    /// first, so that everything it recorded before the wait is handed over.
    pub fn new(mut store: impl AsContextMut<Data = Ctx>) -> Blocked {
        drain(&mut store);
        let cx = store.as_context_mut();
        let (recorder, tid) = (cx.data().rt.options.trace.clone(), cx.data().tid);
        if let Some(r) = &recorder {
            r.block(tid);
        }
        Blocked(recorder.map(|r| (r, tid)))
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        if let Some((r, tid)) = &self.0 {
            r.unblock(*tid);
        }
    }
}

/// The module's initial stack pointer and the end of its static data, from the instance's
/// exports ([`abi::MEMORY_LAYOUT`]; 0 for one it does not export).
pub fn memory_layout(instance: &wasmtime::Instance, store: &mut Store<Ctx>) -> (u32, u32) {
    let mut global = |name| {
        let value = instance.get_global(&mut *store, name).map(|g| g.get(&mut *store));
        value.and_then(|v| v.i32()).map_or(0, i32::cast_unsigned)
    };
    (global(abi::EXPORT_STACK_POINTER), global(abi::EXPORT_DATA_END))
}

/// Defines what module `wthreads_trace` gives an instrumented module: the functions, through
/// which the guest's events go to the run's recorder, each after the accesses before it, and the
/// recorder's `order` memory (`--memory`: atomic accesses take their seq from it).
///
/// # Errors
/// Only if wasmtime rejects a definition (a bug).
pub fn define(linker: &mut Linker<Ctx>, store: &Store<Ctx>, order: SharedMemory) -> wasmtime::Result<()> {
    let m = abi::TRACE_MODULE;
    linker.func_wrap(m, "event", |mut c: Caller<'_, Ctx>, kind: i32, a: i32, b: i32, x: i64, site: i32| {
        drain(&mut c);
        // What the module's own event function keeps when it is not traced (`wait_watched`).
        if abi::WAIT_CONTEXT_EVENTS.contains(&(kind & abi::EVENT_MASK)) {
            c.data_mut().wait_context = Some((kind, a));
        }
        let ctx = c.data();
        ctx.rt.trace(ctx.tid, kind, (a.cast_unsigned(), b.cast_unsigned(), x), site.cast_unsigned(), None);
    })?;
    linker.func_wrap(m, "at", |mut c: Caller<'_, Ctx>, site: i32| {
        drain(&mut c);
        c.data_mut().site = site.cast_unsigned();
    })?;
    linker.func_wrap(m, "flush", |mut c: Caller<'_, Ctx>, _bytes: i32| drain(&mut c))?;
    linker.define(store, m, abi::TRACE_ORDER_MEMORY, order)?;
    Ok(())
}
