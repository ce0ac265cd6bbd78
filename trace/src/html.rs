//! The timeline picture (`wthreads trace --html`): one self-contained HTML file with an SVG that a
//! person reads without any other tool. A row per thread (its life as a grey bar), lock holds as
//! bars coloured by lock, waits for a lock as outlined bars of its colour, futex, condvar, park
//! and barrier waits and `Once` initialisers as thin dark bars, arrows for spawn → start and exit → join; hovering any shape
//! shows its event (SVG `<title>`). Holds of one lock closer together than a pixel are drawn as
//! one bar (its title counts them), so a trace of millions of events stays a small file.

use super::reader::Trace;
use super::{Event, location};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};
use wthreads::abi;

/// Width of the time axis, in pixels.
const WIDTH: f64 = 1200.0;
/// Left margin for the thread names.
const LABELS: f64 = 150.0;
/// Height of a thread's row.
const ROW: f64 = 28.0;
/// Top margin for the time axis.
const TOP: f64 = 30.0;

/// A bar of a row.
struct Bar {
    t0: u64,
    t1: u64,
    /// Which lock it is about (colour); `None` for a wait that is no lock's.
    lock: Option<u32>,
    style: Style,
    /// What it is (as `open`'s `what`).
    what: u8,
    title: String,
    /// Bars merged into this one.
    count: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Hold,
    LockWait,
    Wait,
}

#[derive(Default)]
struct Row {
    name: Option<String>,
    life: Option<(u64, Option<u64>)>,
    trapped: Option<String>,
    bars: Vec<Bar>,
    /// Open intervals by (kind of thing, address): start time and title.
    open: HashMap<(u8, u32), Vec<(u64, String)>>,
}

/// Writes the timeline of `trace` as an HTML page.
///
/// # Errors
/// If `out` cannot be written.
pub fn write(trace: &Trace, out: &mut dyn Write) -> io::Result<()> {
    let end = trace.merged().map(|(_, e)| e.ts_ns).max().unwrap_or(0).max(1);
    let ns_per_px = end as f64 / WIDTH;
    let mut rows: BTreeMap<i32, Row> = BTreeMap::new();
    let mut arrows: Vec<(i32, u64, i32, u64, &str)> = Vec::new();
    // Where each thread's spawn arrow starts (spawner, time), and each thread's exit time.
    let (mut spawned, mut exits) = (HashMap::new(), HashMap::new());
    let mut locks: BTreeMap<u32, (bool, String)> = BTreeMap::new();
    for (tid, e) in trace.merged() {
        let at = location(&trace.sites, e.site);
        let row = rows.entry(tid).or_default();
        let kind = e.kind & abi::EVENT_MASK;
        match kind {
            abi::THREAD_SPAWN => {
                rows.entry(e.a.cast_signed()).or_default().name = trace.text(e.text).map(str::to_owned);
                spawned.insert(e.a.cast_signed(), (tid, e.ts_ns));
            }
            abi::THREAD_START => {
                row.life = Some((e.ts_ns, None));
                if let Some((from, t)) = spawned.remove(&tid) {
                    arrows.push((from, t, tid, e.ts_ns, "spawn"));
                }
            }
            abi::THREAD_EXIT => {
                if let Some(life) = &mut row.life {
                    life.1 = Some(e.ts_ns);
                }
                row.trapped = trace.text(e.text).map(str::to_owned);
                exits.insert(tid, e.ts_ns);
            }
            abi::THREAD_JOIN => {
                let joined = e.a.cast_signed();
                if let Some(t) = exits.remove(&joined) {
                    arrows.push((joined, t, tid, e.ts_ns, "join"));
                }
            }
            abi::LOCK_ACQUIRE_STARTED => open(row, 0, &e, format!("waits for lock {:#x} at {at}", e.a)),
            abi::LOCK_ACQUIRED => {
                locks.entry(e.a).or_insert_with(|| (e.kind & abi::LOCK_INTERNAL != 0, at.clone()));
                close(row, 0, &e, Style::LockWait, Some(e.a), ns_per_px);
                let shared = if e.kind & abi::LOCK_SHARED != 0 { " (shared)" } else { "" };
                open(row, 1, &e, format!("holds lock {:#x}{shared}, taken at {at}", e.a));
            }
            abi::LOCK_RELEASED => close(row, 1, &e, Style::Hold, Some(e.a), ns_per_px),
            abi::FUTEX_WAIT => open(row, 2, &e, format!("futex wait on {:#x} at {at}", e.a)),
            abi::FUTEX_WAITED => close(row, 2, &e, Style::Wait, None, ns_per_px),
            abi::CONDVAR_WAIT => open(row, 3, &e, format!("condvar wait on {:#x} at {at}", e.a)),
            abi::CONDVAR_WOKEN => close(row, 3, &e, Style::Wait, None, ns_per_px),
            abi::PARK => open(row, 4, &e, format!("parked at {at}")),
            abi::UNPARKED => close(row, 4, &e, Style::Wait, None, ns_per_px),
            abi::BARRIER_WAIT => open(row, 5, &e, format!("waits at barrier {:#x} at {at}", e.a)),
            abi::BARRIER_PASSED => close(row, 5, &e, Style::Wait, None, ns_per_px),
            abi::ONCE_RUN => open(row, 6, &e, format!("runs the initialiser of {:#x} at {at}", e.a)),
            abi::ONCE_DONE => close(row, 6, &e, Style::Wait, None, ns_per_px),
            _ => {}
        }
    }
    let mut svg = String::new();
    let height = TOP + ROW * rows.len() as f64 + 10.0;
    let x = |t: u64| LABELS + t as f64 / ns_per_px;
    let y: HashMap<i32, f64> = rows.keys().enumerate().map(|(i, tid)| (*tid, TOP + ROW * i as f64)).collect();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" font-family="sans-serif" font-size="12">
<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>
"##,
        w = LABELS + WIDTH + 20.0
    );
    for i in 0..=10 {
        let t = end / 10 * i;
        let _ = writeln!(
            svg,
            r##"<line x1="{0}" y1="{1}" x2="{0}" y2="{height}" stroke="#eee"/><text x="{0}" y="{2}" text-anchor="middle" fill="#666">{3}</text>"##,
            x(t),
            TOP - 4.0,
            TOP - 14.0,
            duration(t)
        );
    }
    for (tid, row) in &rows {
        let top = y[tid];
        let name = match &row.name {
            Some(n) => format!("{} ({tid})", escape(n)),
            None if *tid == abi::MAIN_THREAD_ID => format!("main ({tid})"),
            None => format!("thread {tid}"),
        };
        let _ = writeln!(svg, r#"<text x="4" y="{}">{name}</text>"#, top + ROW / 2.0 + 4.0);
        if let Some((t0, t1)) = row.life {
            let t1 = t1.unwrap_or(end);
            let how =
                row.trapped.as_deref().map_or_else(|| "returned".to_owned(), |m| format!("trapped: {}", escape(m)));
            let _ = writeln!(
                svg,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#e4e4e4"><title>{name}: {} to {}, {how}</title></rect>"##,
                x(t0),
                top + 4.0,
                (x(t1) - x(t0)).max(1.0),
                ROW - 8.0,
                duration(t0),
                duration(t1)
            );
        }
        for b in &row.bars {
            let (fill, stroke, dy, h) = match (b.style, b.lock) {
                (Style::Hold, Some(l)) => (colour(l), "none".to_owned(), 6.0, ROW - 12.0),
                (Style::LockWait, Some(l)) => ("white".to_owned(), colour(l), 8.0, ROW - 16.0),
                _ => ("#555".to_owned(), "none".to_owned(), ROW - 9.0, 3.0),
            };
            let times = if b.count > 1 { format!(" (and {} more like it)", b.count - 1) } else { String::new() };
            let _ = writeln!(
                svg,
                r#"<rect x="{}" y="{}" width="{}" height="{h}" fill="{fill}" stroke="{stroke}"><title>{}: {} to {}{times}</title></rect>"#,
                x(b.t0),
                top + dy,
                (x(b.t1) - x(b.t0)).max(1.0),
                escape(&b.title),
                duration(b.t0),
                duration(b.t1)
            );
        }
    }
    for (from, t0, to, t1, what) in arrows {
        let (Some(y0), Some(y1)) = (y.get(&from), y.get(&to)) else { continue };
        let _ = writeln!(
            svg,
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333" marker-end="url(#head)"><title>{what}: thread {from} → thread {to}</title></line>"##,
            x(t0),
            y0 + ROW / 2.0,
            x(t1),
            y1 + ROW / 2.0
        );
    }
    svg.push_str("</svg>\n");
    let mut legend = String::new();
    for (lock, (internal, at)) in &locks {
        let whose = if *internal { "runtime's own lock" } else { "lock" };
        let _ = writeln!(
            legend,
            r#"<li><span style="background:{}">&nbsp;&nbsp;&nbsp;&nbsp;</span> {whose} {lock:#x}, first taken at {}</li>"#,
            colour(*lock),
            escape(at)
        );
    }
    let incomplete = if trace.complete { "" } else { "<p><b>The trace ends early: the run did not finish.</b></p>" };
    write!(
        out,
        r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>wthreads trace</title>
<style>body{{font-family:sans-serif;margin:16px}} ul{{list-style:none;padding:0;columns:2}} li{{margin:2px 0}}</style></head>
<body><h1>wthreads trace</h1>{incomplete}
<p>A row per thread (grey: its life). Filled bars: a lock held, coloured by lock; outlined
bars: waiting for that lock; thin dark bars: futex, condvar, park and barrier waits and
initialisers; arrows: spawn →
start and exit → join. Hover a shape for its event.</p>
{svg}<h2>Locks</h2><ul>
{legend}</ul></body></html>
"#
    )
}

/// Opens an interval of thread `row` (`what`: 0 lock wait, 1 hold, 2 futex, 3 condvar, 4 park,
/// 5 barrier, 6 initialiser).
fn open(row: &mut Row, what: u8, e: &Event, title: String) {
    row.open.entry((what, if what == 4 { 0 } else { e.a })).or_default().push((e.ts_ns, title));
}

/// Closes the innermost open interval of the kind and address, merging it into the row's last
/// bar of the same lock and style when less than a pixel lies between them.
fn close(row: &mut Row, what: u8, e: &Event, style: Style, lock: Option<u32>, ns_per_px: f64) {
    let key = (what, if what == 4 { 0 } else { e.a });
    let Some((t0, title)) = row.open.get_mut(&key).and_then(Vec::pop) else { return };
    if let Some(last) = row.bars.iter_mut().rev().take(8).find(|b| b.lock == lock && b.what == what)
        && (t0.saturating_sub(last.t1) as f64) < ns_per_px
    {
        last.t1 = last.t1.max(e.ts_ns);
        last.count += 1;
        return;
    }
    row.bars.push(Bar { t0, t1: e.ts_ns, lock, style, what, title, count: 1 });
}

/// A lock's colour: a hue from its address.
fn colour(lock: u32) -> String {
    let hue = (lock.wrapping_mul(2_654_435_761) >> 16) % 360;
    format!("hsl({hue},65%,55%)")
}

fn duration(ns: u64) -> String {
    match ns {
        0..1_000 => format!("{ns} ns"),
        1_000..1_000_000 => format!("{:.1} µs", ns as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} ms", ns as f64 / 1e6),
        _ => format!("{:.2} s", ns as f64 / 1e9),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
