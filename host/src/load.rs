//! A module on its own, as the command line runs it: the engine's settings for threads, the
//! patch and the trace's instrumentation applied, [`Runtime::load`], and [`run`].

use crate::builder::Builder;
use crate::cache::Cache;
use crate::ctx::WthreadsCtx;
use crate::error::Error;
use crate::runtime::{OS_STACK, Runtime};
use crate::tier::Tier;
use std::sync::Arc;
use wasmtime::{Config, Engine, Linker, Module, Val, ValType};

/// Sets what a wthreads guest needs of an engine: threads and shared memory, a wasm stack of
/// 8 MiB (the runtime's host threads have 16), and wasmtime's inliner, for the fastest code
/// ([`Tier::Full`]; [`Tier::Quick`] compiles faster).
pub fn configure(config: &mut Config) -> &mut Config {
    Tier::Full.configure(config)
}

/// The steps of [`patch`], in the cache's keys: code compiled by an earlier host that patched
/// differently is compiled again.
pub(crate) const PATCH_STEPS: &str = "threadify, inline_events, host_waits\0";

/// `wasm` as a run compiles it, with an engine [`configure`]d here: patched by threadify if it
/// is not yet, its event calls replaced by what they do untraced
/// ([`wthreads_threadify::inline_events`]), its waits and wakes made calls of the host
/// ([`wthreads_threadify::host_waits`]), which then waits on the word itself.
///
/// # Errors
/// [`Error::Module`] if threadify refuses it (not wasm, not built for wthreads, …).
pub fn patch(wasm: &[u8]) -> Result<Vec<u8>, Error> {
    let module = |e: wthreads_threadify::Error| Error::Module(e.to_string());
    wthreads_threadify::host_waits(&wthreads_threadify::inline_events(&patched(wasm)?).map_err(module)?).map_err(module)
}

/// `wasm` patched by threadify if it is not yet.
fn patched(wasm: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, Error> {
    if wthreads_threadify::is_patched(wasm) {
        return Ok(wasm.into());
    }
    wthreads_threadify::patch(wasm).map(Into::into).map_err(|e| Error::Module(e.to_string()))
}

impl Runtime<WthreadsCtx> {
    /// Compiles `wasm` (patching it first if needed, instrumenting it if `builder` traces) with
    /// an engine of its own and makes its runtime, whose store data is the runtime's context
    /// alone. For an engine, imports or store data of the embedder's own, see [`Builder::build`].
    ///
    /// # Errors
    /// [`Error::Module`] naming the problem.
    pub fn load(wasm: &[u8], builder: Builder) -> Result<Arc<Runtime<WthreadsCtx>>, Error> {
        Runtime::load_cached(wasm, builder, None)
    }

    /// [`load`](Runtime::load), with the compiled module from `cache` ([`Cache::load`]: the
    /// fastest code compiled before, else the quickest to compile). A traced run compiles
    /// afresh: its instrumentation is the recorder's.
    ///
    /// # Errors
    /// [`Error::Module`] naming the problem.
    pub fn load_cached(
        wasm: &[u8],
        builder: Builder,
        cache: Option<&Cache>,
    ) -> Result<Arc<Runtime<WthreadsCtx>>, Error> {
        let (engine, module) = match (&builder.trace, cache) {
            (None, Some(cache)) => cache.load(wasm)?,
            (None, None) => {
                let engine = Tier::Full.engine()?;
                let module = Tier::Full.compile(&engine, wasm)?;
                (engine, module)
            }
            (Some(recorder), _) => {
                let engine = Tier::Full.engine()?;
                let what = wthreads_threadify::trace::Options { memory: recorder.memory() };
                let instrumented = wthreads_threadify::trace::instrument(&patched(wasm)?, &what)
                    .map_err(|e| Error::Module(e.to_string()))?;
                recorder.sites(&instrumented.sites);
                let module = compile(&engine, &instrumented.wasm)?;
                (engine, module)
            }
        };
        let mut linker = Linker::new(&engine);
        crate::add_to_linker(&mut linker).map_err(|e| Error::Module(e.to_string()))?;
        builder.build(&linker, &module, |ctx| ctx)
    }
}

/// Compiles `wasm` with `engine`.
pub(crate) fn compile(engine: &Engine, wasm: &[u8]) -> Result<Module, Error> {
    Module::new(engine, wasm).map_err(|e| Error::Module(format!("invalid module: {e:#}")))
}

/// What [`run`] calls, as `wthreads run` takes it.
pub struct Options {
    /// The export to call on the main thread (`main` by default).
    pub invoke: String,
    /// Its arguments as the command line gives them, each read as its parameter's type (an
    /// integer, or a float for f32 and f64). When none are given, an export that takes two i32
    /// (C's `main(argc, argv)`) gets (0, 0).
    pub args: Vec<String>,
    /// How the runtime runs.
    pub runtime: Builder,
    /// Where compiled modules are kept between runs (`None`: compile every time).
    pub cache: Option<Cache>,
}

impl Default for Options {
    fn default() -> Options {
        Options { invoke: "main".into(), args: Vec::new(), runtime: Builder::new(), cache: None }
    }
}

/// Loads `wasm` and calls `options.invoke` on its main thread, an OS thread with room for the
/// wasm stack; returns its results.
///
/// # Errors
/// [`Error::Module`] for an unusable module or arguments that do not fit the export,
/// [`Error::Trap`] if it traps or panics, [`Error::Deadlock`] if the program deadlocked.
pub fn run(wasm: &[u8], options: Options) -> Result<Vec<Val>, Error> {
    let Options { invoke, args, runtime, cache } = options;
    let rt = Runtime::load_cached(wasm, runtime, cache.as_ref())?;
    let t = std::thread::Builder::new()
        .name("wthreads-main".into())
        .stack_size(OS_STACK)
        .spawn(move || {
            // The main thread's start and exit are recorded by `MainThread` (when it is made,
            // and dropped).
            let mut main = rt.main_thread()?;
            let ty = main
                .func_type(&invoke)
                .ok_or_else(|| Error::Module(format!("module has no exported function `{invoke}`")))?;
            let args = parse_args(&invoke, &ty, &args)?;
            main.call_dynamic(&invoke, &args)
        })
        .map_err(|e| Error::Module(format!("cannot start the main thread: {e}")))?;
    t.join().unwrap_or_else(|_| Err(Error::Trap("the host's main thread panicked".into())))
}

/// The arguments `given` as the parameters of export `name` (of type `ty`) take them.
fn parse_args(name: &str, ty: &wasmtime::FuncType, given: &[String]) -> Result<Vec<Val>, Error> {
    let params: Vec<ValType> = ty.params().collect();
    // A Rust or C `main` is linked as C's `main(argc, argv)`: pass (0, NULL).
    if given.is_empty() && params.len() == 2 && params.iter().all(ValType::is_i32) {
        return Ok(vec![Val::I32(0), Val::I32(0)]);
    }
    if params.len() != given.len() {
        return Err(Error::Module(format!(
            "`{name}` takes {} argument(s) {}, but {} were given (one --arg each)",
            params.len(),
            crate::imports::signature(ty),
            given.len()
        )));
    }
    params
        .iter()
        .zip(given)
        .enumerate()
        .map(|(i, (p, text))| {
            parse_arg(p, text)
                .ok_or_else(|| Error::Module(format!("argument {} of `{name}` must be an {p}, not `{text}`", i + 1)))
        })
        .collect()
}

/// `text` as a value of type `ty`: integers in signed or unsigned form, floats as Rust reads
/// them.
fn parse_arg(ty: &ValType, text: &str) -> Option<Val> {
    match ty {
        ValType::I32 => {
            text.parse::<i32>().ok().or_else(|| text.parse::<u32>().ok().map(u32::cast_signed)).map(Val::I32)
        }
        ValType::I64 => {
            text.parse::<i64>().ok().or_else(|| text.parse::<u64>().ok().map(u64::cast_signed)).map(Val::I64)
        }
        ValType::F32 => text.parse::<f32>().ok().map(Val::from),
        ValType::F64 => text.parse::<f64>().ok().map(Val::from),
        _ => None,
    }
}
