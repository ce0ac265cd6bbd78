//! Tracing a run (`wthreads trace`, `docs/trace.md`) on this host: the recorder that the run
//! feeds and the `wthreads_trace` imports of an instrumented module. The trace's format and
//! the formats made from it are the `wthreads-trace` crate's, re-exported here.

pub mod host;
mod recorder;

pub use recorder::Recorder;
pub use wthreads_trace::*;
