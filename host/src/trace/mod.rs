//! Traces of runs (`wthreads trace`, `docs/trace.md`): the recorder that a traced run feeds, the
//! raw file it writes, and the formats made from that file.

pub mod host;
pub mod html;
pub mod perfetto;
pub mod rapid;
pub mod raw;
pub mod reader;
mod recorder;
pub mod text;

pub use recorder::Recorder;
pub use wthreads_threadify::trace::{Access, Site};

use std::io;
use std::path::{Path, PathBuf};

/// The site of an event that has none (the host's own events outside a runtime API call).
pub const NO_SITE: u32 = u32::MAX;

/// One recorded event (`docs/trace.md`); the thread it belongs to is its block's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Its place in the trace's one total order (unique, from 0).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
    let trace = reader::Trace::open(raw)?;
    match format {
        Format::Perfetto => perfetto::write(&trace, out),
        Format::Rapid => rapid::write(&trace, out, side),
        Format::Text => text::write(&trace, out),
        Format::Raw => io::copy(&mut std::fs::File::open(raw)?, out).map(drop),
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
