//! What the runtime keeps in each guest thread's store, and how it finds it in the embedder's
//! store data ([`WthreadsView`]), as `wasmtime-wasi` finds its context.

use crate::shared::Shared;
use crate::trace::host::Buffer;
use crate::watch::Slot;
use std::sync::Arc;

/// The runtime's part of a guest thread's store data: which thread the store runs and the
/// runtime it belongs to. The runtime makes one for each store it creates (the main thread's
/// and each host thread's) and hands it to the embedder's constructor of the store data
/// ([`Builder::build`](crate::Builder::build)).
pub struct WthreadsCtx {
    /// The runtime's state that every thread shares.
    pub(crate) rt: Arc<Shared>,
    /// Starts guest threads: the runtime, whatever its store data.
    pub(crate) spawner: Arc<dyn Spawner>,
    /// The guest thread this store runs now (a host thread runs one after another).
    pub(crate) tid: i32,
    /// In a traced run, the site of the runtime API call under way (`wthreads_trace.at`).
    pub(crate) site: u32,
    /// With `--memory`, the instance's access buffer.
    pub(crate) buffer: Option<Buffer>,
    /// In a traced run, the last wait context event (kind, address): the trace replaces the
    /// module's own event function, which keeps it otherwise.
    pub(crate) wait_context: Option<(i32, i32)>,
    /// The thread's entry in the deadlock watch.
    pub(crate) slot: Option<Arc<Slot>>,
}

impl WthreadsCtx {
    /// The data of a store that runs guest thread `tid` (0: none yet) of `rt`.
    pub(crate) fn new(rt: Arc<Shared>, spawner: Arc<dyn Spawner>, tid: i32) -> WthreadsCtx {
        let slot = rt.watch.slot(tid);
        WthreadsCtx { rt, spawner, tid, site: crate::trace::NO_SITE, buffer: None, wait_context: None, slot }
    }

    /// The id of the guest thread this store runs now: 1 for the main thread, then 2, 3, … in
    /// the order of their spawns (`std::thread::current().id()` in the guest). An import of the
    /// embedder's own learns from it which thread called.
    #[must_use]
    pub fn thread_id(&self) -> i32 {
        self.tid
    }
}

/// Store data that carries a [`WthreadsCtx`]: what the runtime's imports ask of the store data
/// `T` of a `Linker<T>` ([`add_to_linker`](crate::add_to_linker)).
///
/// ```
/// struct App {
///     wthreads: wthreads_host::WthreadsCtx,
///     progress: std::sync::Arc<std::sync::atomic::AtomicU32>,
/// }
///
/// impl wthreads_host::WthreadsView for App {
///     fn wthreads(&mut self) -> &mut wthreads_host::WthreadsCtx {
///         &mut self.wthreads
///     }
/// }
/// ```
pub trait WthreadsView: Send + 'static {
    /// The runtime's context in this store data.
    fn wthreads(&mut self) -> &mut WthreadsCtx;
}

impl WthreadsView for WthreadsCtx {
    fn wthreads(&mut self) -> &mut WthreadsCtx {
        self
    }
}

/// Starts guest threads for the imports, whatever the runtime's store data type.
pub(crate) trait Spawner: Send + Sync {
    /// Starts a guest thread; returns its id or an `ERR_*` code (`thread_spawn`'s result).
    fn start_thread(self: Arc<Self>, spawn: crate::shared::Spawn) -> i32;
}
