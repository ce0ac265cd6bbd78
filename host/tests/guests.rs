//! Runs every guest program on the native host (the real `wthreads` binary) and checks what it
//! did; the expectations are shared with the web runtime's tests (`node.rs`).

use std::process::Command;

/// `wthreads`, the native host's command line.
fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wthreads"))
}

/// The native host gives each guest thread a native stack of its own size (`max_wasm_stack`).
const ENGINE_CALL_STACK_LIMIT: Option<&str> = None;

include!("common/guest_expectations.rs");
