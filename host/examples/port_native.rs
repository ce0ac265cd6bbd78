//! The native side of the port test: `guest-tests/port/native.rs` run with std threads. The
//! host tests compare its output with the wasm guest built from `guest-tests/port/guest.rs`.

#[path = "../../guest-tests/port/native.rs"]
mod program;

fn main() {
    program::main();
}
