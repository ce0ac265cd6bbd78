//! The tool module's ABI, as `web/trace/tool.mjs` calls it. The caller provides one input
//! (a module or a raw trace) and collects three output streams through the imports of module
//! `wthreads_tool`; each export returns 0, or 1 after writing a message to [`ERROR`].
//!
//! - `input_len() -> i64`, `input_read(offset: i64, ptr, len) -> i32` (0, or not 0 if it cannot)
//! - `output(stream, ptr, len)`: bytes of stream [`OUT`], [`SIDE`] or [`ERROR`]

use std::cell::RefCell;
use std::io::{self, BufWriter, Write};
use wthreads_trace::fed::Fed;
use wthreads_trace::reader::Source;

/// The main output: a module, a trace, a page.
const OUT: u32 = 0;
/// The second output: a location table.
const SIDE: u32 = 1;
/// The message of a failure.
const ERROR: u32 = 2;

#[link(wasm_import_module = "wthreads_tool")]
unsafe extern "C" {
    fn input_len() -> u64;
    fn input_read(offset: u64, ptr: *mut u8, len: usize) -> i32;
    fn output(stream: u32, ptr: *const u8, len: usize);
}

/// The caller's input.
struct Input;

impl Source for Input {
    fn size(&self) -> io::Result<u64> {
        // SAFETY: the caller links `input_len` as `() -> i64` (the module docs); it takes no
        // pointer, so it cannot touch this module's memory.
        Ok(unsafe { input_len() })
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        // SAFETY: `buf` is a live, writable range of this module's memory of `buf.len()`
        // bytes, which is all `input_read` writes.
        let failed = unsafe { input_read(offset, buf.as_mut_ptr(), buf.len()) };
        if failed == 0 { Ok(()) } else { Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the input ends early")) }
    }
}

impl Input {
    fn bytes() -> io::Result<Vec<u8>> {
        let len = usize::try_from(Input.size()?).map_err(|_| io::Error::other("the input is too large"))?;
        let mut buf = vec![0; len];
        Input.read_at(&mut buf, 0)?;
        Ok(buf)
    }
}

/// An output stream.
struct Stream(u32);

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `buf` is a live range of this module's memory; `output` only reads it.
        unsafe { output(self.0, buf.as_ptr(), buf.len()) };
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// 0 if `result` is Ok, else 1 after writing its message to [`ERROR`].
fn status<E: std::fmt::Display>(result: Result<(), E>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            Stream(ERROR).write_all(e.to_string().as_bytes()).ok();
            1
        }
    }
}

/// Runs `write` on buffered [`OUT`] and [`SIDE`] streams and flushes them.
fn streams(write: impl FnOnce(&mut dyn Write, &mut dyn Write) -> io::Result<()>) -> i32 {
    let (mut out, mut side) = (BufWriter::with_capacity(1 << 16, Stream(OUT)), BufWriter::new(Stream(SIDE)));
    status(write(&mut out, &mut side).and_then(|()| out.flush()).and_then(|()| side.flush()))
}

/// Writes [`crate::formats`] to [`OUT`].
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_tool_formats() -> i32 {
    status(Stream(OUT).write_all(crate::formats().as_bytes()))
}

/// Instruments the input module ([`crate::instrument`]; `memory` not 0: every access too):
/// the module to [`OUT`], the SITES chunk to [`SIDE`].
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_tool_instrument(memory: i32) -> i32 {
    let done = Input::bytes().map_err(|e| e.to_string()).and_then(|wasm| crate::instrument(&wasm, memory != 0));
    status(done.and_then(|(wasm, sites)| {
        Stream(OUT).write_all(&wasm).and_then(|()| Stream(SIDE).write_all(&sites)).map_err(|e| e.to_string())
    }))
}

/// Converts the input raw trace to format number `format` ([`crate::convert`]).
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_tool_convert(format: u32) -> i32 {
    streams(|out, side| crate::convert(Box::new(Input), format as usize, out, side))
}

thread_local! {
    /// The check of the run going on, kept between calls.
    static CHECK: RefCell<Fed> = RefCell::default();
}

/// Hands the input (the raw chunks the run recorded since the last call) to the check of the
/// run going on ([`crate::check_feed`]).
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_tool_check_feed() -> i32 {
    status(Input::bytes().and_then(|bytes| CHECK.with_borrow_mut(|check| crate::check_feed(check, &bytes))))
}

/// Checks the run going on up to order counter value `counter` and what the input says of its
/// threads ([`crate::check_advance`]); reports to [`OUT`].
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_tool_check_advance(counter: u64) -> i32 {
    streams(|out, _| {
        let seen = Input::bytes()?;
        CHECK.with_borrow_mut(|check| crate::check_advance(check, counter, &seen, out))
    })
}

/// Ends the check of the run, which ended ([`crate::check_end`]): the rest of the reports to
/// [`OUT`], their summary, if there were any, to [`SIDE`]. The next call starts another.
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_tool_check_end() -> i32 {
    streams(|out, side| {
        let summary = crate::check_end(CHECK.take(), out)?;
        side.write_all(summary.unwrap_or_default().as_bytes())
    })
}

/// Writes the timeline page of the input raw trace ([`crate::timeline`]) to [`OUT`].
#[unsafe(no_mangle)]
pub extern "C" fn wthreads_tool_timeline() -> i32 {
    streams(|out, _| crate::timeline(Box::new(Input), out))
}
