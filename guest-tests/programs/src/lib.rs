//! Guest programs (stable, `#![no_std]`): each `test_*` export is one program, run by the
//! host tests with `wthreads run --invoke test_NAME`; a non-zero result or a trap fails it.
#![no_std]

extern crate alloc;

mod basics;
