//! The events an embedder can listen to: the ones the web runtime's listeners receive.

use std::sync::Arc;

/// Something a guest thread did, as the web runtime's `on`/`onEvent` listeners see it. Thread
/// ids are the guest's: the main thread is 1.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Thread `by` spawned thread `tid`, named `name` if the guest named it. Comes before
    /// anything thread `tid` does.
    Spawn {
        /// The new thread.
        tid: i32,
        /// Its name (`thread::Builder::name`).
        name: Option<String>,
        /// The thread that spawned it.
        by: i32,
    },
    /// Thread `by` joined thread `tid`, which trapped or panicked if `trapped`.
    Join {
        /// The joined thread.
        tid: i32,
        /// The joining thread.
        by: i32,
        /// Whether the joined thread trapped or panicked.
        trapped: bool,
    },
    /// Thread `tid` ended: its entry returned, or it trapped or panicked if `trapped`. Comes
    /// before its joiner learns of it.
    Exit {
        /// The thread.
        tid: i32,
        /// Whether it trapped or panicked.
        trapped: bool,
    },
    /// Thread `tid` trapped or panicked with `message` (also written to the runtime's stderr).
    Abort {
        /// The thread.
        tid: i32,
        /// Its name, if it has one (`main` for the main thread).
        name: Option<String>,
        /// The panic's or trap's message.
        message: String,
    },
}

/// Where the runtime sends its events.
pub(crate) type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;
