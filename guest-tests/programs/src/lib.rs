//! Guest programs (stable, `#![no_std]`): each `test_*` export is one program, run by the
//! host tests with `wthreads run --invoke test_NAME`. A program returns 0 on success; a failed
//! assertion panics, which ends the program with a trap (exit status 101).
#![no_std]

extern crate alloc;

mod basics;
mod lifecycle;
mod panics;
mod stacks;
