//! [`Builder`]: how a runtime runs its threads, and where their output and events go.

use crate::ctx::WthreadsView;
use crate::error::Error;
use crate::events::{Event, EventSink};
use crate::output::{Callback, Sink};
use crate::runtime::Runtime;
use crate::trace::Recorder;
use std::io::Write;
use std::sync::Arc;
use wasmtime::{Linker, Module};

/// The most guest threads alive at once besides the main thread, unless the builder says.
pub const DEFAULT_MAX_THREADS: usize = 1024;

/// Builds a [`Runtime`]: the limits, the output and event sinks, then
/// [`build`](Builder::build) with the embedder's linker, module and store data.
pub struct Builder {
    pub(crate) max_threads: usize,
    pub(crate) stdout: Sink,
    pub(crate) stderr: Sink,
    pub(crate) events: Option<EventSink>,
    pub(crate) trace: Option<Arc<Recorder>>,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            max_threads: DEFAULT_MAX_THREADS,
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
            events: None,
            trace: None,
        }
    }
}

impl Builder {
    /// A builder with the defaults: [`DEFAULT_MAX_THREADS`], the process's stdout and stderr,
    /// no listener.
    #[must_use]
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The most guest threads alive at once besides the main thread; a spawn beyond gets an
    /// error (`std::thread::Builder::spawn` returns it).
    #[must_use]
    pub fn max_threads(mut self, n: usize) -> Builder {
        self.max_threads = n;
        self
    }

    /// Where the guest's stdout goes (`print!` on any thread), written in the order the
    /// threads wrote.
    #[must_use]
    pub fn stdout(mut self, w: impl Write + Send + 'static) -> Builder {
        self.stdout = Box::new(w);
        self
    }

    /// Where the guest's stderr goes, and the runtime's own lines about the run (a thread that
    /// trapped or panicked, a lock-order cycle).
    #[must_use]
    pub fn stderr(mut self, w: impl Write + Send + 'static) -> Builder {
        self.stderr = Box::new(w);
        self
    }

    /// Hands the guest's stdout to `f`, each write's bytes as the guest wrote them.
    #[must_use]
    pub fn on_stdout(self, f: impl FnMut(&[u8]) + Send + 'static) -> Builder {
        self.stdout(Callback(f))
    }

    /// Hands the guest's stderr (and the runtime's lines) to `f`.
    #[must_use]
    pub fn on_stderr(self, f: impl FnMut(&[u8]) + Send + 'static) -> Builder {
        self.stderr(Callback(f))
    }

    /// Calls `f` with every [`Event`] (spawn, join, exit, abort), on the thread it happens on,
    /// in each thread's order.
    #[must_use]
    pub fn on_event(mut self, f: impl Fn(&Event) + Send + Sync + 'static) -> Builder {
        self.events = Some(Arc::new(f));
        self
    }

    /// Records the run's events with `recorder` (`wthreads trace`, `wthreads check`). The
    /// module must have been instrumented for it (`wthreads_threadify::trace::instrument`), as
    /// [`Runtime::load`] does.
    #[must_use]
    pub fn trace(mut self, recorder: Arc<Recorder>) -> Builder {
        self.trace = Some(recorder);
        self
    }

    /// Makes the runtime of `module` (patched by threadify, compiled with an engine
    /// [`configure`](crate::configure)d for threads): its shared memory, and `linker` with it
    /// for every thread's instance. `linker` must have the runtime API
    /// ([`add_to_linker`](crate::add_to_linker)) and whatever else the module imports.
    /// `data` makes the store data of each store the runtime creates (the main thread's and
    /// each host thread's) around the runtime's context.
    ///
    /// # Errors
    /// [`Error::Module`] naming what does not fit: the memory, an import the linker lacks, an
    /// import of the runtime API with another type.
    pub fn build<T: WthreadsView>(
        self,
        linker: &Linker<T>,
        module: &Module,
        data: impl Fn(crate::WthreadsCtx) -> T + Send + Sync + 'static,
    ) -> Result<Arc<Runtime<T>>, Error> {
        Runtime::new(self, linker, module, Box::new(data))
    }
}
