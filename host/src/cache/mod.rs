//! Compiled code kept between runs: a module patched and compiled once is loaded from the
//! user's cache directory the next time, without threadify or Cranelift.
//!
//! [`Cache::load`] tiers the code as a JIT does: a module met for the first time is compiled
//! [`Tier::Quick`] (3-4× faster to compile) and stored; a run that lasts [`UPGRADE_AFTER`]
//! compiles it [`Tier::Full`] beside the program and stores that, which later runs take. A run
//! too short to notice the difference never pays for the slower compile.
//!
//! An entry is named by a SHA-256 of what decides its code: this host's version (threadify's
//! output changes with it), the module's bytes as given, and the engine's settings
//! (`Engine::precompile_compatibility_hash`). So a changed module, host or engine setting
//! misses and compiles afresh, and nothing ever has to be invalidated. Runs may share the
//! directory at once: an entry is written to a file of its own and renamed into place, so a
//! reader sees a whole entry or none; an entry that cannot be read is compiled again and
//! replaced. The directory is kept under a size limit ([`DEFAULT_LIMIT`]): the entries used
//! longest ago go first.

mod files;

use crate::error::Error;
use crate::tier::Tier;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wasmtime::{Engine, Module};

/// How long a run lasts before its module is compiled [`Tier::Full`] beside it.
pub const UPGRADE_AFTER: Duration = Duration::from_secs(1);

/// The most bytes a cache keeps, unless [`Cache::limit`] says.
pub const DEFAULT_LIMIT: u64 = 1 << 30;

/// A directory of compiled modules.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    limit: u64,
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
        Cache { dir: dir.into(), limit: DEFAULT_LIMIT, hits: AtomicUsize::new(0), misses: AtomicUsize::new(0) }
    }

    /// This cache keeping at most `bytes` of entries: the ones used longest ago go when a new
    /// one would pass it.
    #[must_use]
    pub fn limit(mut self, bytes: u64) -> Cache {
        self.limit = bytes;
        self
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

    /// Modules this cache had to compile (and then stored), the upgrades beside a run aside.
    #[must_use]
    pub fn misses(&self) -> usize {
        self.misses.load(Ordering::Relaxed)
    }

    /// The engine and module to run `wasm` with: the [`Tier::Full`] code if a run compiled it
    /// before, else the [`Tier::Quick`] code (from the cache, or compiled and stored), in which
    /// case the `Full` code is compiled beside the program once it has run for
    /// [`UPGRADE_AFTER`].
    ///
    /// # Errors
    /// [`Error::Module`] if threadify refuses the module or wasmtime cannot compile it.
    pub fn load(&self, wasm: &[u8]) -> Result<(Engine, Module), Error> {
        let full = Tier::Full.engine()?;
        if let Some(module) = self.lookup(&full, wasm) {
            return Ok((full, module));
        }
        let quick = Tier::Quick.engine()?;
        let module = self.module(&quick, Tier::Quick, wasm)?;
        self.upgrade_later(wasm);
        Ok((quick, module))
    }

    /// `wasm` prepared for `tier` and compiled by `engine` (one of that tier's): from the cache
    /// if this host and an engine with these settings did it before, else compiled and stored.
    /// A cache that cannot be written costs only the next run's compile.
    ///
    /// # Errors
    /// [`Error::Module`] if threadify refuses the module or wasmtime cannot compile it.
    pub fn module(&self, engine: &Engine, tier: Tier, wasm: &[u8]) -> Result<Module, Error> {
        if let Some(module) = self.lookup(engine, wasm) {
            return Ok(module);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let module = tier.compile(engine, wasm)?;
        if let Ok(bytes) = module.serialize() {
            // A cache that cannot be written costs only the next run's compile.
            files::write_whole(&self.dir, &self.path(engine, wasm), &bytes, self.limit).ok();
        }
        Ok(module)
    }

    /// Compiles `wasm` [`Tier::Full`] and stores it, unless it is stored already: what a run
    /// does beside the program after [`UPGRADE_AFTER`].
    ///
    /// # Errors
    /// As [`module`](Cache::module).
    pub fn upgrade(&self, wasm: &[u8]) -> Result<(), Error> {
        let engine = Tier::Full.engine()?;
        if !self.path(&engine, wasm).exists() {
            self.module(&engine, Tier::Full, wasm)?;
        }
        Ok(())
    }

    /// Whether the cache holds `wasm` compiled for `tier`.
    #[must_use]
    pub fn holds(&self, tier: Tier, wasm: &[u8]) -> bool {
        tier.engine().is_ok_and(|engine| self.path(&engine, wasm).exists())
    }

    /// [`upgrade`](Cache::upgrade) on a thread of its own once the run has lasted
    /// [`UPGRADE_AFTER`]; a run that ends before has lost nothing but the thread's sleep.
    fn upgrade_later(&self, wasm: &[u8]) {
        let (dir, limit, wasm) = (self.dir.clone(), self.limit, wasm.to_vec());
        let later = std::thread::Builder::new().name("wthreads-upgrade".into()).spawn(move || {
            std::thread::sleep(UPGRADE_AFTER);
            Cache::at(dir).limit(limit).upgrade(&wasm).ok();
        });
        // Without the thread the next runs start on quick code too: nothing to report.
        drop(later);
    }

    /// The entry of `wasm` compiled by `engine`, if the cache holds a whole one.
    fn lookup(&self, engine: &Engine, wasm: &[u8]) -> Option<Module> {
        // Read, not mapped: a file changed in place while mapped would be a SIGBUS in the run.
        let path = self.path(engine, wasm);
        let bytes = std::fs::read(&path).ok()?;
        // SAFETY: `deserialize` requires bytes that `Module::serialize` made for an engine
        // like this one, unchanged since. Entries are only written by `files::write_whole`, whole
        // and then renamed into place, from `serialize`, and are named by the engine's
        // compatibility hash; wasmtime checks the header's version and settings again and
        // refuses bytes that do not match (then the module is compiled anew). The directory
        // is the user's own, trusted as their executables are.
        let module = unsafe { Module::deserialize(engine, &bytes) }.ok()?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        files::touch(&path);
        Some(module)
    }

    /// Where the entry of `wasm` compiled by `engine` is kept.
    fn path(&self, engine: &Engine, wasm: &[u8]) -> PathBuf {
        self.dir.join(format!("{}.cwasm", self.key(engine, wasm)))
    }

    /// The entry's name: what decides its code, hashed.
    fn key(&self, engine: &Engine, wasm: &[u8]) -> String {
        let mut digest = Sha256::new();
        digest.update(concat!("wthreads-host ", env!("CARGO_PKG_VERSION"), "\0"));
        digest.update(crate::load::PATCH_STEPS);
        engine.precompile_compatibility_hash().hash(&mut Feed(&mut digest));
        digest.update(u64::try_from(wasm.len()).unwrap_or(u64::MAX).to_le_bytes());
        digest.update(wasm);
        digest.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
