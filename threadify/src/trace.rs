//! The instrumentation of a patched module for `wthreads trace` (`docs/trace.md`): every call of
//! the guest's event function becomes a call of the tracing host's `wthreads_trace.event` with
//! the call's site, and every call of a runtime API import is preceded by `wthreads_trace.at`
//! with its site, so that the host's own events (spawn, join) have a location too.
//!
//! A site is an index into the location table [`instrument`] returns: the function that holds
//! the call (index and name in the module as given) and the call's byte offset in that module.

use crate::Error;
use crate::conventions as conv;
use walrus::ir::{Call, Const, Instr, InstrSeq, Value, VisitorMut};
use walrus::{ExportItem, FunctionId, FunctionKind, InstrLocId, ValType};
use wthreads::abi;

/// Where an instrumented call is, in the module that was instrumented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The index of the function that holds it (imports count, as in the wasm binary).
    pub func: u32,
    /// The function's name from the module's name section (a Rust symbol demangled), if it
    /// has one.
    pub name: Option<String>,
    /// The byte offset of the call instruction in the module.
    pub offset: u32,
}

/// An instrumented module and its location table.
#[derive(Debug, Clone)]
pub struct Instrumented {
    /// The module to run: it imports [`abi::TRACE_IMPORTS`] from `wthreads_trace`.
    pub wasm: Vec<u8>,
    /// Site `i` of the calls is `sites[i]`.
    pub sites: Vec<Site>,
}

/// Instruments a module that threadify patched (see the module's description).
///
/// # Errors
/// [`Error::NotWasm`] if `wasm` is not a module or was not patched, [`Error::Invalid`] if the
/// result does not validate (a bug).
pub fn instrument(wasm: &[u8]) -> Result<Instrumented, Error> {
    rewrite(wasm, false)
}

/// The patched module with every call of the event function removed (its arguments dropped):
/// what a guest without events would be, to measure that the empty calls cost nothing
/// (`host/examples/bench.rs`).
///
/// # Errors
/// As [`instrument`].
pub fn without_events(wasm: &[u8]) -> Result<Vec<u8>, Error> {
    rewrite(wasm, true).map(|i| i.wasm)
}

fn rewrite(wasm: &[u8], strip: bool) -> Result<Instrumented, Error> {
    if !crate::inspect(wasm)?.patched {
        return Err(Error::NotWasm("the module is not patched by threadify: patch it first".into()));
    }
    let mut config = walrus::ModuleConfig::new();
    config.generate_producers_section(false);
    let mut m = config.parse(wasm).map_err(|e| Error::NotWasm(format!("{e:#}")))?;
    let event = m.exports.iter().find_map(|e| match e.item {
        ExportItem::Function(f) if e.name == conv::EVENT => Some(f),
        _ => None,
    });
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
    let mode = if strip {
        let params = event.map_or(0, |f| m.types.get(m.funcs.get(f).ty()).params().len());
        Mode::Strip { params }
    } else {
        let [event, at] = [0, 1].map(|i| {
            let f = abi::TRACE_IMPORTS[i];
            let params: Vec<ValType> = f
                .params
                .iter()
                .map(|v| match v {
                    abi::Val::I32 => ValType::I32,
                    abi::Val::I64 => ValType::I64,
                })
                .collect();
            let ty = m.types.add(&params, &[]);
            let id = m.add_import_func(conv::TRACE_MODULE, f.name, ty).0;
            m.funcs.get_mut(id).name = Some(format!("{}.{}", conv::TRACE_MODULE, f.name));
            id
        });
        Mode::Trace { event, at }
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

/// A function's name as people read it: a Rust symbol demangled without its hash.
fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

/// What becomes of the event calls.
enum Mode {
    /// Calls of the tracing host's `event` (with the site), `at` before runtime API calls.
    Trace { event: FunctionId, at: FunctionId },
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

impl Sites {
    /// Records the site of the instruction at `loc` and returns its index as an operand.
    fn site(&mut self, loc: InstrLocId) -> Instr {
        let offset = if loc.is_default() { 0 } else { loc.data() };
        let index = u32::try_from(self.sites.len()).unwrap_or(u32::MAX);
        self.sites.push(Site { func: self.func, name: self.name.clone(), offset });
        Instr::Const(Const { value: Value::I32(index.cast_signed()) })
    }
}

impl VisitorMut for Sites {
    fn start_instr_seq_mut(&mut self, seq: &mut InstrSeq) {
        let calls = |i: &Instr, f: &dyn Fn(FunctionId) -> bool| matches!(i, Instr::Call(Call { func }) if f(*func));
        if !seq.instrs.iter().any(|(i, _)| calls(i, &|f| Some(f) == self.event || self.runtime_api.contains(&f))) {
            return;
        }
        let old = std::mem::take(&mut seq.instrs);
        for (instr, loc) in old {
            let is_event = calls(&instr, &|f| Some(f) == self.event);
            match self.mode {
                Mode::Strip { params } if is_event => {
                    seq.instrs.extend(std::iter::repeat_n((Instr::Drop(walrus::ir::Drop {}), loc), params));
                }
                Mode::Trace { event, .. } if is_event => {
                    let site = self.site(loc);
                    seq.instrs.push((site, loc));
                    seq.instrs.push((Instr::Call(Call { func: event }), loc));
                }
                Mode::Trace { at, .. } if calls(&instr, &|f| self.runtime_api.contains(&f)) => {
                    let site = self.site(loc);
                    seq.instrs.push((site, loc));
                    seq.instrs.push((Instr::Call(Call { func: at }), loc));
                    seq.instrs.push((instr, loc));
                }
                _ => seq.instrs.push((instr, loc)),
            }
        }
    }
}
