//! Threadify: the post-link patch that makes a wasm module safe to instantiate once per thread
//! over one shared memory.
//!
//! A module linked with `--shared-memory --import-memory` can be instantiated many times over
//! the same memory, but every instance would run on the one shadow stack the linker laid out
//! and share one TLS block. [`patch`] gives each thread its own: the spawner allocates a stack
//! and a TLS block and the host starts the thread through the export `wthreads_thread_start`,
//! which installs them before any guest code runs (see [`transform::apply`] for the list of
//! changes). Every precondition is checked before the module is changed, with an [`Error`]
//! that names what is missing.
//!
//! ```no_run
//! let wasm = std::fs::read("guest.wasm").unwrap();
//! let patched = wthreads_threadify::patch(&wasm).unwrap();
//! std::fs::write("guest.patched.wasm", patched).unwrap();
//! ```

pub mod build;
mod check;
pub mod cli;
pub mod conventions;
mod error;
mod events;
mod host_waits;
pub mod trace;
pub mod transform;

pub use check::{Facts, inspect};
pub use error::{BUILD_HINT, Error};
pub use events::inline_events;
pub use host_waits::host_waits;
pub use transform::Options;

/// Patches `wasm` and returns the new module, validated with threads enabled.
///
/// # Errors
/// See [`Error`]: not wasm, already patched, unusable memory, missing symbols, or (a bug) an
/// output that does not validate.
pub fn patch(wasm: &[u8]) -> Result<Vec<u8>, Error> {
    patch_with(wasm, &Options::default())
}

/// [`patch`] with [`Options`] (to turn the stack-overflow check off).
///
/// # Errors
/// As [`patch`].
pub fn patch_with(wasm: &[u8], options: &Options) -> Result<Vec<u8>, Error> {
    let facts = inspect(wasm)?;
    if facts.patched {
        return Err(Error::AlreadyPatched);
    }
    // An invalid input is the input's fault, not a broken patch: say so before changing it.
    validate(wasm).map_err(|e| match e {
        Error::Invalid(msg) => Error::NotWasm(format!("the module does not validate: {msg}")),
        other => other,
    })?;
    let mut config = walrus::ModuleConfig::new();
    config.generate_producers_section(false);
    let mut module = config.parse(wasm).map_err(|e| Error::NotWasm(format!("{e:#}")))?;
    transform::apply(&mut module, options)?;
    let out = module.emit_wasm();
    validate(&out)?;
    Ok(out)
}

/// Whether `wasm` carries threadify's marker (it was patched already).
#[must_use]
pub fn is_patched(wasm: &[u8]) -> bool {
    inspect(wasm).is_ok_and(|f| f.patched)
}

/// Validates a module with the threads proposal enabled.
///
/// # Errors
/// [`Error::Invalid`] with the validator's message.
pub fn validate(wasm: &[u8]) -> Result<(), Error> {
    let features = wasmparser::WasmFeatures::default() | wasmparser::WasmFeatures::THREADS;
    wasmparser::Validator::new_with_features(features)
        .validate_all(wasm)
        .map(|_| ())
        .map_err(|e| Error::Invalid(e.to_string()))
}
