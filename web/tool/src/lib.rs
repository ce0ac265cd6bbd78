//! The web runtime's tool module (`web/trace/tool.mjs` loads it when a run is traced): what a
//! traced run needs of the Rust side, built for wasm32 so that browsers and Node run the same
//! code as the native host — threadify's trace instrumentation of the module to run, and the
//! conversion of the raw trace the web runtime records into every format of `wthreads trace`,
//! and `wthreads check`'s analysis of a run as it goes.
//!
//! This file holds the operations over bytes and streams; `exports.rs` is the module's ABI
//! (`wasm32` only): the functions it exports and the byte streams it imports.

#[cfg(target_arch = "wasm32")]
mod exports;

use clap::ValueEnum;
use std::io::{self, Write};
use wthreads_threadify::trace::Options;
use wthreads_trace::Format;
use wthreads_trace::fed::Fed;
use wthreads_trace::reader::{Source, Trace};

/// The formats, in the order of the indices [`convert`] takes, as JSON for the web runtime:
/// `[{"name": "perfetto", "file": "trace.json", "side": null}, …]` (`side`: the suffix of the
/// side file's name, if the format has one).
#[must_use]
pub fn formats() -> String {
    let list: Vec<serde_json::Value> = Format::value_variants()
        .iter()
        .map(|f| {
            let name = f.to_possible_value().map(|v| v.get_name().to_owned());
            let side =
                wthreads_trace::side_file(std::path::Path::new(""), *f).map(|p| p.to_string_lossy().into_owned());
            serde_json::json!({ "name": name, "file": f.default_file(), "side": side })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// Instruments a patched module for tracing (`memory`: every access too). Returns the module
/// to run and its location table as the raw trace's SITES chunk.
///
/// # Errors
/// A message naming the problem: the module is not wasm or not patched.
pub fn instrument(wasm: &[u8], memory: bool) -> Result<(Vec<u8>, Vec<u8>), String> {
    let done = wthreads_threadify::trace::instrument(wasm, &Options { memory }).map_err(|e| e.to_string())?;
    let sites = wthreads_trace::raw::sites_chunk(&done.sites).map_err(|e| e.to_string())?;
    Ok((done.wasm, sites))
}

/// Writes the raw trace in `source` as format number `format` of [`formats`] to `out`, its side
/// file to `side`.
///
/// # Errors
/// If the trace cannot be read, the output written, or there is no such format.
pub fn convert(source: Box<dyn Source>, format: usize, out: &mut dyn Write, side: &mut dyn Write) -> io::Result<()> {
    let format = *Format::value_variants()
        .get(format)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("no trace format number {format}")))?;
    wthreads_trace::write(&Trace::read(source)?, format, out, side)
}

/// Hands the raw chunks in `bytes`, those the run recorded since the last call, to `check`, the
/// check of a run going on.
///
/// # Errors
/// If the bytes are not whole raw chunks.
pub fn check_feed(check: &mut Fed, bytes: &[u8]) -> io::Result<()> {
    check.feed(bytes)
}

/// Checks what `check` was fed up to the horizon of order counter value `counter` and the
/// threads in `seen` (`wthreads_trace::fed::Threads::horizon`): records of three little-endian
/// `i64`s, (id, 0, 0) for a thread that blocks, (id, 1, counter) for one that runs again. Reports
/// go to `out`.
///
/// # Errors
/// If `out` cannot be written.
pub fn check_advance(check: &mut Fed, counter: u64, seen: &[u8], out: &mut dyn Write) -> io::Result<()> {
    let (mut idle, mut since) = (Vec::new(), Vec::new());
    for record in seen.chunks_exact(24) {
        let word = |i: usize| u64::from_le_bytes(record[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        let tid = i32::try_from(word(0).cast_signed()).unwrap_or(i32::MAX);
        if word(1) == 0 {
            idle.push(tid);
        } else {
            since.push((tid, word(2)));
        }
    }
    check.advance(counter, &idle, &since, out)
}

/// Ends `check` once the run ended and everything was fed: the rest of the reports go to
/// `out`; returns the summary of all it reported, if anything.
///
/// # Errors
/// If `out` cannot be written, or the check's order was broken (`Ongoing::finish`).
pub fn check_end(check: Fed, out: &mut dyn Write) -> io::Result<Option<String>> {
    Ok(check.finish(out)?.summary())
}

/// Writes the timeline page (`--html`) of the raw trace in `source` to `out`.
///
/// # Errors
/// If the trace cannot be read or the output written.
pub fn timeline(source: Box<dyn Source>, out: &mut dyn Write) -> io::Result<()> {
    wthreads_trace::html::write(&Trace::read(source)?, out)
}
