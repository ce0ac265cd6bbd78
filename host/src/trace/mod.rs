//! Tracing a run (`wthreads trace`, `docs/trace.md`) on this host: the recorder that the run
//! feeds, the analysis of `wthreads check` that it can feed, and the `wthreads_trace` imports
//! of an instrumented module. The trace's format and
//! the formats made from it are the `wthreads-trace` crate's, re-exported here.

mod analysis;
pub mod host;
mod recorder;

pub use analysis::Analysis;
pub use recorder::Recorder;
pub use wthreads_trace::*;
