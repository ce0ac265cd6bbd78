//! Compiled code kept between runs: a module patched and compiled once is loaded from the
//! user's cache directory the next time, without threadify or Cranelift.
//!
//! An entry is named by a SHA-256 of what decides its code: this host's version (threadify's
//! output changes with it), the module's bytes as given, and the engine's settings
//! (`Engine::precompile_compatibility_hash`). So a changed module, host or engine setting
//! misses and compiles afresh, and nothing ever has to be invalidated. Runs may share the
//! directory at once: an entry is written to a file of its own and renamed into place, so a
//! reader sees a whole entry or none; an entry that cannot be read is compiled again and
//! replaced.

use crate::error::Error;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use wasmtime::{Engine, Module};

/// A directory of compiled modules.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

/// Feeds what `Hash` writes into the digest.
struct Feed<'a>(&'a mut Sha256);

impl Hasher for Feed<'_> {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("only fed: the digest is read from the Sha256")
    }
}

impl Cache {
    /// The cache in `dir` (made when the first entry is written).
    #[must_use]
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into(), hits: AtomicUsize::new(0), misses: AtomicUsize::new(0) }
    }

    /// The user's cache: `$WTHREADS_CACHE_DIR` if set, else `wthreads` in the platform's cache
    /// directory (`$XDG_CACHE_HOME`, `~/.cache`, `~/Library/Caches`, `%LOCALAPPDATA%`); `None`
    /// if there is none.
    #[must_use]
    pub fn user() -> Option<Cache> {
        if let Some(dir) = std::env::var_os("WTHREADS_CACHE_DIR") {
            return Some(Cache::at(dir));
        }
        let base = if cfg!(windows) {
            std::env::var_os("LOCALAPPDATA").map(PathBuf::from)
        } else if cfg!(target_os = "macos") {
            std::env::home_dir().map(|h| h.join("Library/Caches"))
        } else {
            std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::home_dir().map(|h| h.join(".cache")))
        };
        base.map(|b| Cache::at(b.join("wthreads")))
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Modules this cache gave without compiling.
    #[must_use]
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// Modules this cache had to compile (and then stored).
    #[must_use]
    pub fn misses(&self) -> usize {
        self.misses.load(Ordering::Relaxed)
    }

    /// `wasm` patched (if it is not yet) and compiled by `engine`: from the cache if this host
    /// and an engine with these settings did it before, else patched, compiled and stored. A
    /// cache that cannot be written costs only the next run's compile.
    ///
    /// # Errors
    /// [`Error::Module`] if threadify refuses the module or wasmtime cannot compile it.
    pub fn module(&self, engine: &Engine, wasm: &[u8]) -> Result<Module, Error> {
        let path = self.dir.join(format!("{}.cwasm", self.key(engine, wasm)));
        // Read, not mapped: a file changed in place while mapped would be a SIGBUS in the run.
        if let Ok(bytes) = std::fs::read(&path) {
            // SAFETY: `deserialize` requires bytes that `Module::serialize` made for an engine
            // like this one, unchanged since. Entries are only written by `store` below, whole
            // and then renamed into place, from `serialize`, and are named by the engine's
            // compatibility hash; wasmtime checks the header's version and settings again and
            // refuses bytes that do not match (then the module is compiled anew). The directory
            // is the user's own, trusted as their executables are.
            if let Ok(module) = unsafe { Module::deserialize(engine, &bytes) } {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(module);
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let patched = crate::patch(wasm)?;
        let module = Module::new(engine, &patched[..]).map_err(|e| Error::Module(format!("invalid module: {e:#}")))?;
        if let Ok(bytes) = module.serialize() {
            self.store(&path, &bytes).ok();
        }
        Ok(module)
    }

    /// The entry's name: what decides its code, hashed.
    fn key(&self, engine: &Engine, wasm: &[u8]) -> String {
        let mut digest = Sha256::new();
        digest.update(concat!("wthreads-host ", env!("CARGO_PKG_VERSION"), "\0"));
        engine.precompile_compatibility_hash().hash(&mut Feed(&mut digest));
        digest.update(u64::try_from(wasm.len()).unwrap_or(u64::MAX).to_le_bytes());
        digest.update(wasm);
        digest.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Writes `bytes` to a file of this process's and renames it to `path`, so that no run
    /// ever reads part of an entry.
    fn store(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let part = path.with_extension(format!("part-{}-{unique}", std::process::id()));
        std::fs::write(&part, bytes)?;
        std::fs::rename(&part, path).inspect_err(|_| {
            std::fs::remove_file(&part).ok();
        })
    }
}
