//! The tracing host's side of an instrumented module: the `wthreads_trace` imports
//! ([`abi::TRACE_IMPORTS`]) and the draining of each instance's access buffer (`--memory`),
//! which happens at every one of those calls, so that a thread's accesses keep their place
//! among its events, and when the thread's code returns.

use crate::ctx::WthreadsView;
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
    pub(crate) fn attach<T: WthreadsView>(instance: &wasmtime::Instance, store: &mut Store<T>) {
        let memory = instance.get_memory(&mut *store, abi::EXPORT_TRACE_BUFFER);
        let cursor = instance.get_global(&mut *store, abi::EXPORT_TRACE_CURSOR);
        store.data_mut().wthreads().buffer = memory.zip(cursor).map(|(memory, cursor)| Buffer { memory, cursor });
        drain(store);
    }
}

/// Hands the accesses the instance's buffer holds to the recorder and empties it.
pub(crate) fn drain<T: WthreadsView>(mut store: impl AsContextMut<Data = T>) {
    let mut cx = store.as_context_mut();
    let Some(buffer) = cx.data_mut().wthreads().buffer else { return };
    let bytes = buffer.cursor.get(&mut cx).i32().and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
    if bytes == 0 {
        return;
    }
    let ctx = cx.data_mut().wthreads();
    if let Some(recorder) = ctx.rt.trace.clone() {
        let tid = ctx.tid;
        let data = buffer.memory.data(&cx);
        recorder.accesses(tid, &data[..bytes.min(data.len())]);
    }
    buffer.cursor.set(&mut cx, Val::I32(0)).ok();
}

/// While this lives, the thread of a store blocks (`Recorder::block`): it hands over what its
/// instance buffered first, and is dropped before the thread can take a `seq` again.
pub struct Blocked(Option<(std::sync::Arc<crate::trace::Recorder>, i32)>);

impl Blocked {
    /// The thread of `store` blocks, if the run is traced: its instance's accesses are drained
    /// first, so that everything it recorded before the wait is handed over.
    pub(crate) fn new<T: WthreadsView>(mut store: impl AsContextMut<Data = T>) -> Blocked {
        drain(&mut store);
        let mut cx = store.as_context_mut();
        let ctx = cx.data_mut().wthreads();
        let (recorder, tid) = (ctx.rt.trace.clone(), ctx.tid);
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
pub(crate) fn memory_layout<T>(instance: &wasmtime::Instance, store: &mut Store<T>) -> (u32, u32) {
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
pub(crate) fn define<T: WthreadsView>(
    linker: &mut Linker<T>,
    store: &Store<T>,
    order: SharedMemory,
) -> wasmtime::Result<()> {
    let m = abi::TRACE_MODULE;
    linker.func_wrap(m, "event", |mut c: Caller<'_, T>, kind: i32, a: i32, b: i32, x: i64, site: i32| {
        drain(&mut c);
        // What the module's own event function keeps when it is not traced (`wait_watched`).
        if abi::WAIT_CONTEXT_EVENTS.contains(&(kind & abi::EVENT_MASK)) {
            c.data_mut().wthreads().wait_context = Some((kind, a));
        }
        let ctx = c.data_mut().wthreads();
        ctx.rt.trace(ctx.tid, kind, (a.cast_unsigned(), b.cast_unsigned(), x), site.cast_unsigned(), None);
    })?;
    linker.func_wrap(m, "at", |mut c: Caller<'_, T>, site: i32| {
        drain(&mut c);
        c.data_mut().wthreads().site = site.cast_unsigned();
    })?;
    linker.func_wrap(m, "flush", |mut c: Caller<'_, T>, _bytes: i32| drain(&mut c))?;
    linker.define(store, m, abi::TRACE_ORDER_MEMORY, order)?;
    Ok(())
}
