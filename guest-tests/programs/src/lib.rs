//! Guest programs (stable, `#![no_std]`): each `test_*` export is one program, run by the
//! host tests with `wthreads run --invoke test_NAME`. A program returns 0 on success; a failed
//! assertion panics, which ends the program with a trap (exit status 101).
#![no_std]

extern crate alloc;

mod barrier;
mod basics;
mod bench;
mod condvar;
mod hostile;
mod lifecycle;
mod local;
mod mpsc;
mod once;
mod panics;
mod park;
mod poison;
mod rwlock;
mod scope;
mod stacks;
