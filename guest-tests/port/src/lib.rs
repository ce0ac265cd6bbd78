//! The std program of `../native.rs`, ported to a stable `#![no_std]` guest (`../guest.rs`).
#![no_std]

extern crate alloc;

#[path = "../guest.rs"]
mod program;

/// Runs the ported program.
#[unsafe(no_mangle)]
pub extern "C" fn test_port_program() -> i32 {
    program::main();
    0
}
