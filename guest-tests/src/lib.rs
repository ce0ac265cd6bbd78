//! Guest test programs, built for wasm32 and patched by `build.rs`.
//!
//! - [`PROGRAMS`]: the stable `#![no_std]` suite (`guest-tests/programs`);
//! - [`STD_PROGRAMS`]: the std suite built with nightly `-Zbuild-std` (`guest-tests/std-programs`);
//! - [`MANDELBROT`]: the demo guest (`guest-tests/mandelbrot`);
//! - `foreach_program!(mac)`: `mac!(suite, test_name)` for every exported `test_*` program;
//! - [`output_within`]: a test's run of a program, which fails rather than hangs.

include!(concat!(env!("OUT_DIR"), "/programs.rs"));

/// Runs `cmd` with its output piped and returns the output; kills it and panics if it runs past
/// `deadline` (a hang is a failure, not a stuck test run). `what` names it in that message.
///
/// # Panics
/// If the command cannot start or runs past `deadline`.
pub fn output_within(
    cmd: &mut std::process::Command,
    deadline: std::time::Duration,
    what: &str,
) -> std::process::Output {
    use std::process::Stdio;
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(deadline) {
        Ok(out) => out.unwrap_or_else(|e| panic!("{what}: reading its output: {e}")),
        Err(_) => {
            let pid = i32::try_from(pid).expect("a pid fits in pid_t");
            // SAFETY: `kill` has no memory preconditions; `pid` is our child, not yet reaped (its
            // waiter has not returned), so the number still names it.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("{what} did not end within {deadline:?}: it hangs");
        }
    }
}
