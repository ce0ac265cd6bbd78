//! The trace of a wthreads run (`wthreads trace`, `docs/trace.md`): its events, its location
//! table, the raw file a recording host writes ([`raw`]) and reads back ([`reader`]), and the
//! formats made from it: Perfetto JSON, RAPID's STD lines, text and the HTML timeline. Hosts
//! record; this crate is the format, so that every host's traces read the same.
//!
//! ```no_run
//! use std::path::Path;
//! use wthreads_trace::{Format, convert};
//!
//! // A raw trace (`wthreads trace --format raw`) as Perfetto's JSON, for ui.perfetto.dev.
//! let mut json = std::fs::File::create("trace.json")?;
//! convert(Path::new("trace.wtrace"), Format::Perfetto, &mut json, &mut std::io::sink())?;
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod check;
pub mod fed;
pub mod html;
pub mod items;
pub mod judge;
pub mod live;
pub mod lockorder;
pub mod origin;
pub mod perfetto;
pub mod race;
pub mod rapid;
pub mod raw;
pub mod reader;
mod shadow;
pub mod text;

use std::io;
use std::path::{Path, PathBuf};

/// Where an event or access happened, in the module that ran (an entry of the trace's location
/// table; threadify's trace instrumentation makes the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The index of the function that holds it (imports count, as in the wasm binary).
    pub func: u32,
    /// The function's name from the module's name section (a Rust symbol demangled), if it
    /// has one.
    pub name: Option<String>,
    /// The byte offset of the instruction in the module.
    pub offset: u32,
    /// For a memory access: what it does.
    pub access: Option<Access>,
}

/// A memory access of a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// A write (else a read).
    pub write: bool,
    /// An atomic access (synchronisation: recorded through the host's `atomic`).
    pub atomic: bool,
    /// Bytes accessed (0 for a range, whose length is recorded with it).
    pub width: u32,
    /// The instruction's static offset, added to the recorded address.
    pub offset: u64,
    /// A range (`memory.fill`, `memory.copy`, `memory.init`): its length follows the address.
    pub range: bool,
}

/// The site of an event that has none (the host's own events outside a runtime API call).
pub const NO_SITE: u32 = u32::MAX;

/// One recorded event (`docs/trace.md`); the thread it belongs to is its block's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Its place in the trace's one total order, from 0: unique for an event and an atomic
    /// access's write side, which took it from the order counter; an atomic access's read side
    /// read the counter, and a plain access shares the place of its thread's next atomic access
    /// or event, so those come before the event or write whose seq is theirs.
    pub seq: u64,
    /// Nanoseconds since the trace's first event (one monotonic clock for every thread).
    pub ts_ns: u64,
    /// The event kind (`wthreads::abi::EVENT_MASK` and flags).
    pub kind: i32,
    /// First argument (an address, a thread id).
    pub a: u32,
    /// Second argument.
    pub b: u32,
    /// Third argument (a timeout in nanoseconds).
    pub c: i64,
    /// Index of its location in the trace's site table, or [`NO_SITE`].
    pub site: u32,
    /// Id of its text, or 0.
    pub text: u32,
}

/// The formats `wthreads trace` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// The Chrome / Perfetto JSON trace-event format (ui.perfetto.dev, chrome://tracing).
    Perfetto,
    /// The STD text format of the RAPID race predictor (with a side file of locations).
    Rapid,
    /// The raw binary log (`docs/trace.md`), as recorded.
    Raw,
    /// One line of text per event, in the trace's order.
    Text,
}

impl Format {
    /// The file name `wthreads trace` writes when not given one.
    #[must_use]
    pub const fn default_file(self) -> &'static str {
        match self {
            Format::Perfetto => "trace.json",
            Format::Rapid => "trace.rapid",
            Format::Raw => "trace.wtrace",
            Format::Text => "trace.txt",
        }
    }
}

/// Writes the raw trace at `raw` as `format` to `out`; the RAPID format's location table goes
/// to `side` (see [`side_file`]).
///
/// # Errors
/// If the trace cannot be read or the output written.
pub fn convert(raw: &Path, format: Format, out: &mut dyn io::Write, side: &mut dyn io::Write) -> io::Result<()> {
    write(&reader::Trace::open(raw)?, format, out, side)
}

/// Writes `trace` as `format` to `out`; the RAPID format's location table goes to `side`.
///
/// # Errors
/// If the trace cannot be read or the output written.
pub fn write(
    trace: &reader::Trace,
    format: Format,
    out: &mut dyn io::Write,
    side: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Perfetto => perfetto::write(trace, out),
        Format::Rapid => rapid::write(trace, out, side),
        Format::Text => text::write(trace, out),
        Format::Raw => trace.copy_to(out),
    }
}

/// Where the side file of a trace written to `output` goes, for formats that have one (RAPID's
/// location table: `trace.rapid.locations`).
#[must_use]
pub fn side_file(output: &Path, format: Format) -> Option<PathBuf> {
    (format == Format::Rapid).then(|| {
        let mut name = output.as_os_str().to_owned();
        name.push(".locations");
        PathBuf::from(name)
    })
}

/// Where site `site` is, as `function+0xOFFSET` (`?` for none).
#[must_use]
pub fn location(sites: &[Site], site: u32) -> String {
    match sites.get(site as usize) {
        Some(s) => match &s.name {
            Some(n) => format!("{n}+{:#x}", s.offset),
            None => format!("func[{}]+{:#x}", s.func, s.offset),
        },
        None => "?".into(),
    }
}
