//! What threadify reports when it cannot patch a module.

use std::fmt;

/// How to build a guest that threadify can patch (printed with every "missing" error).
pub const BUILD_HINT: &str = "build the guest with the wthreads flags in .cargo/config.toml \
(see `docs/guest-config.toml` and the README section \"Use it in your own guest crate\")";

/// Why a module cannot be patched. Every variant names the problem; none of them leaves a
/// half-patched module behind, because all checks run before anything is changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The input is not a valid WebAssembly module.
    NotWasm(String),
    /// The module was already patched by threadify.
    AlreadyPatched,
    /// The module's memory is not usable by several threads.
    Memory(String),
    /// An active data segment: every thread's instance would copy it into the shared memory
    /// again when it starts, undoing what the program wrote there since.
    ActiveData {
        /// The segment's index in the data section.
        index: usize,
        /// Its size in bytes.
        len: usize,
    },
    /// A symbol or export that threadify relies on is missing or has the wrong type.
    Missing {
        /// The export that is missing or malformed.
        name: &'static str,
        /// What threadify needs it for / what is wrong with it.
        detail: String,
    },
    /// The module is wasm-bindgen's output: threadify patches the module before wasm-bindgen.
    BindgenOutput(String),
    /// An import from the `wthreads_patch` module that this threadify does not know.
    UnknownPatchImport(String),
    /// The patched module did not validate (a bug in threadify: please report it).
    Invalid(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotWasm(e) => write!(f, "not a WebAssembly module: {e}"),
            Error::AlreadyPatched => {
                f.write_str("module is already patched by threadify (custom section `wthreads.threadify`)")
            }
            Error::Memory(e) => write!(f, "{e}; {BUILD_HINT}"),
            Error::ActiveData { index, len } => write!(
                f,
                "data segment {index} ({len} bytes) is active: every thread's instance would write it \
                 into the shared memory again when it starts, undoing the program's writes; make the \
                 segments passive and initialise them once (lld does so with --shared-memory: {BUILD_HINT})"
            ),
            Error::Missing { name, detail } => write!(f, "export `{name}` {detail}; {BUILD_HINT}"),
            Error::BindgenOutput(evidence) => write!(
                f,
                "the module is wasm-bindgen's output ({evidence}): patch the module cargo built, \
                 before wasm-bindgen, then run `wasm-bindgen --target web` on the patched module \
                 (README, \"With wasm-bindgen\")"
            ),
            Error::UnknownPatchImport(name) => write!(
                f,
                "import `wthreads_patch.{name}` is unknown to this threadify; the guest was built \
                 with a newer wthreads than this tool"
            ),
            Error::Invalid(e) => write!(f, "patched module does not validate (threadify bug): {e}"),
        }
    }
}

impl std::error::Error for Error {}
