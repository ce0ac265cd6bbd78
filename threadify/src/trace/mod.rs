//! The instrumentation of a patched module for `wthreads trace` (`docs/trace.md`): every call of
//! the guest's event function becomes a call of the tracing host's `wthreads_trace.event` with
//! the call's site, and every call of a runtime API import is preceded by `wthreads_trace.at`
//! with its site, so that the host's own events (spawn, join) have a location too. With
//! [`Options::memory`], every access of the shared memory is recorded too (the `memory` module).
//!
//! A site is an index into the location table [`instrument`] returns: the function that holds
//! the call or access (index and name in the module as given), the instruction's byte offset in
//! that module, and for an access what it does.

mod heap;
mod instrs;
mod memory;

use crate::Error;
use crate::conventions as conv;
use instrs::konst;
use walrus::ir::{Call, Instr, InstrSeq, VisitorMut};
use walrus::{FunctionId, FunctionKind, InstrLocId};
use wthreads::abi;

/// What to record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Every access of the shared memory too (`--memory`).
    pub memory: bool,
}

pub use wthreads_trace::{Access, Site};

/// An instrumented module and its location table.
#[derive(Debug, Clone)]
pub struct Instrumented {
    /// The module to run: it imports [`abi::TRACE_IMPORTS`] from `wthreads_trace`.
    pub wasm: Vec<u8>,
    /// Site `i` of the calls and accesses is `sites[i]`.
    pub sites: Vec<Site>,
}

/// Instruments a module that threadify patched (see the module's description).
///
/// # Errors
/// [`Error::NotWasm`] if `wasm` is not a module or was not patched, [`Error::Invalid`] if the
/// result does not validate (a bug).
pub fn instrument(wasm: &[u8], options: &Options) -> Result<Instrumented, Error> {
    rewrite(wasm, Some(options))
}

/// The patched module with every call of the event function removed (its arguments dropped):
/// what a guest without events would be, to measure that the empty calls cost nothing
/// (`host/examples/bench.rs`).
///
/// # Errors
/// As [`instrument`].
pub fn without_events(wasm: &[u8]) -> Result<Vec<u8>, Error> {
    rewrite(wasm, None).map(|i| i.wasm)
}

/// Instruments (`Some`) or strips the event calls (`None`).
fn rewrite(wasm: &[u8], options: Option<&Options>) -> Result<Instrumented, Error> {
    let (mut m, event) = crate::events::parse_patched(wasm)?;
    let functions: Vec<(FunctionId, u32, Option<String>)> =
        m.funcs.iter().zip(0u32..).map(|(f, index)| (f.id(), index, f.name.as_deref().map(demangle))).collect();
    let runtime_api: Vec<FunctionId> = m
        .imports
        .iter()
        .filter(|i| i.module == abi::IMPORT_MODULE)
        .filter_map(|i| match i.kind {
            walrus::ImportKind::Function(f) => Some(f),
            _ => None,
        })
        .collect();
    let shared = m.memories.iter().next().map(walrus::Memory::id);
    let mode = match options {
        None => Mode::Strip { params: event.map_or(0, |f| m.types.get(m.funcs.get(f).ty()).params().len()) },
        Some(options) => {
            let [event, at, flush] = [0, 1, 2].map(|i| import(&mut m, abi::TRACE_IMPORTS[i]));
            let memory = match shared {
                Some(shared) if options.memory => Some(Box::new(memory::Memory::add(&mut m, shared, flush))),
                _ => None,
            };
            let heap = memory.is_some().then(|| heap::Heap::find(&mut m, &functions));
            Mode::Trace { event, at, memory, heap }
        }
    };
    let mut sites = Sites { event, runtime_api, mode, func: 0, name: None, sites: Vec::new() };
    for (id, index, name) in functions {
        if Some(id) == event {
            continue;
        }
        let FunctionKind::Local(func) = &mut m.funcs.get_mut(id).kind else { continue };
        sites.func = index;
        sites.name = name;
        let entry = func.entry_block();
        walrus::ir::dfs_pre_order_mut(&mut sites, func, entry);
    }
    let out = m.emit_wasm();
    crate::validate(&out)?;
    Ok(Instrumented { wasm: out, sites: sites.sites })
}

/// Adds the import `wthreads_trace.NAME` of the table's function `f`.
fn import(m: &mut walrus::Module, f: abi::Function) -> FunctionId {
    conv::add_import(m, conv::TRACE_MODULE, f)
}

/// A function's name as people read it: a Rust symbol demangled without its hash.
pub fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

/// What becomes of the event calls (and accesses).
enum Mode {
    /// Calls of the tracing host's `event` (with the site), `at` before runtime API calls, and
    /// with `memory` every access recorded and `heap` every allocator call.
    Trace { event: FunctionId, at: FunctionId, memory: Option<Box<memory::Memory>>, heap: Option<heap::Heap> },
    /// Removed: the event function's `params` arguments dropped.
    Strip { params: usize },
}

/// The rewrite of one function's calls, collecting their sites.
struct Sites {
    event: Option<FunctionId>,
    runtime_api: Vec<FunctionId>,
    mode: Mode,
    func: u32,
    name: Option<String>,
    sites: Vec<Site>,
}

/// Records a site of the function being rewritten; returns its index.
fn add_site(sites: &mut Vec<Site>, func: u32, name: &Option<String>, loc: InstrLocId, access: Option<Access>) -> i32 {
    let offset = if loc.is_default() { 0 } else { loc.data() };
    let index = u32::try_from(sites.len()).unwrap_or(u32::MAX);
    sites.push(Site { func, name: name.clone(), offset, access });
    index.cast_signed()
}

impl VisitorMut for Sites {
    fn start_instr_seq_mut(&mut self, seq: &mut InstrSeq) {
        let calls = |i: &Instr, f: &dyn Fn(FunctionId) -> bool| matches!(i, Instr::Call(Call { func }) if f(*func));
        let memory = matches!(self.mode, Mode::Trace { memory: Some(_), .. });
        if !memory
            && !seq.instrs.iter().any(|(i, _)| calls(i, &|f| Some(f) == self.event || self.runtime_api.contains(&f)))
        {
            return;
        }
        let old = std::mem::take(&mut seq.instrs);
        let (func, name) = (self.func, &self.name);
        for (instr, loc) in old {
            let is_event = calls(&instr, &|f| Some(f) == self.event);
            match &self.mode {
                Mode::Strip { params } if is_event => {
                    seq.instrs.extend(std::iter::repeat_n((Instr::Drop(walrus::ir::Drop {}), loc), *params));
                }
                Mode::Trace { event, .. } if is_event => {
                    let site = add_site(&mut self.sites, func, name, loc, None);
                    seq.instrs.extend([(konst(site), loc), (Instr::Call(Call { func: *event }), loc)]);
                }
                Mode::Trace { at, .. } if calls(&instr, &|f| self.runtime_api.contains(&f)) => {
                    let site = add_site(&mut self.sites, func, name, loc, None);
                    seq.instrs.extend([(konst(site), loc), (Instr::Call(Call { func: *at }), loc), (instr, loc)]);
                }
                Mode::Trace { event, memory: Some(memory), heap, .. } => {
                    let sites = &mut self.sites;
                    let mut event_site = || add_site(sites, func, name, loc, None);
                    if let Some(instrs) = heap.as_ref().and_then(|h| h.rewrite(&instr, *event, &mut event_site)) {
                        seq.instrs.extend(instrs.into_iter().map(|i| (i, loc)));
                        continue;
                    }
                    let mut site = |loc, access| add_site(sites, func, name, loc, Some(access));
                    match memory.rewrite(&instr, loc, &mut site) {
                        Some(instrs) => seq.instrs.extend(instrs.into_iter().map(|i| (i, loc))),
                        None => seq.instrs.push((instr, loc)),
                    }
                }
                _ => seq.instrs.push((instr, loc)),
            }
        }
    }
}
