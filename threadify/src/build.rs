//! The companion build step: compile a guest crate for `wasm32-unknown-unknown` with the flags
//! threads need, and patch its output. Call it from a host crate's `build.rs`.
//!
//! ```no_run
//! // build.rs of a crate that embeds a guest
//! let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
//! let modules = wthreads_threadify::build::GuestBuild::new("guest")
//!     .release(true)
//!     .build(&out)
//!     .unwrap();
//! for m in &modules {
//!     println!("cargo::rustc-env=GUEST_WASM={}", m.path.display());
//! }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The rustflags a wthreads guest needs, the same as `docs/guest-config.toml`.
pub const GUEST_RUSTFLAGS: &[&str] = &[
    "-Ctarget-feature=+atomics,+bulk-memory,+mutable-globals",
    "-Clink-arg=--shared-memory",
    "-Clink-arg=--import-memory",
    "-Clink-arg=--max-memory=1073741824",
    "-Clink-arg=--no-check-features",
    "-Clink-arg=--export=__stack_pointer",
    "-Clink-arg=--export=__tls_base",
    "-Clink-arg=--export=__tls_size",
    "-Clink-arg=--export=__tls_align",
    "-Clink-arg=--export=__wasm_init_tls",
];

/// The wasm target guests are built for.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// A failed build step.
#[derive(Debug)]
pub enum BuildError {
    /// cargo could not be started or failed; carries its output.
    Cargo(String),
    /// The build produced no `.wasm` file.
    NoOutput(PathBuf),
    /// Reading or writing a file failed.
    Io(PathBuf, std::io::Error),
    /// Threadify refused a module.
    Patch(PathBuf, crate::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Cargo(out) => write!(f, "building the guest failed:\n{out}"),
            BuildError::NoOutput(dir) => {
                write!(f, "the guest build in {} produced no .wasm (is it a cdylib?)", dir.display())
            }
            BuildError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            BuildError::Patch(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for BuildError {}

/// One built and patched module.
#[derive(Debug, Clone)]
pub struct Built {
    /// The crate's library name (`my_guest` for `my-guest`).
    pub name: String,
    /// Path of the patched module.
    pub path: PathBuf,
    /// Path of the module as the linker wrote it, before patching.
    pub unpatched: PathBuf,
}

/// A guest crate to build for wasm32 and patch.
#[derive(Debug, Clone)]
pub struct GuestBuild {
    dir: PathBuf,
    release: bool,
    toolchain: Option<String>,
    build_std: bool,
    features: Vec<String>,
    extra_rustflags: Vec<String>,
    patch: crate::Options,
}

impl GuestBuild {
    /// The guest crate in `dir` (a directory with a `Cargo.toml` whose lib is a `cdylib`).
    pub fn new(dir: impl Into<PathBuf>) -> GuestBuild {
        GuestBuild {
            dir: dir.into(),
            release: true,
            toolchain: None,
            build_std: false,
            features: Vec::new(),
            extra_rustflags: Vec::new(),
            patch: crate::Options::default(),
        }
    }

    /// Patch with the shadow-stack overflow check (the default) or without it
    /// ([`crate::Options::stack_check`]).
    pub fn stack_check(mut self, on: bool) -> GuestBuild {
        self.patch.stack_check = on;
        self
    }

    /// Patch with wait and wake as instructions in the module (the default) or as host calls
    /// ([`crate::Options::inline_wait`]).
    pub fn inline_wait(mut self, on: bool) -> GuestBuild {
        self.patch.inline_wait = on;
        self
    }

    /// Build with `--release` (the default) or as a debug build.
    pub fn release(mut self, release: bool) -> GuestBuild {
        self.release = release;
        self
    }

    /// Use this rustup toolchain (for example a pinned nightly) instead of the default.
    pub fn toolchain(mut self, toolchain: impl Into<String>) -> GuestBuild {
        self.toolchain = Some(toolchain.into());
        self
    }

    /// Rebuild std with atomics (`-Zbuild-std=std,panic_abort`; needs nightly and rust-src).
    pub fn build_std(mut self, on: bool) -> GuestBuild {
        self.build_std = on;
        self
    }

    /// Enable a cargo feature of the guest crate.
    pub fn feature(mut self, feature: impl Into<String>) -> GuestBuild {
        self.features.push(feature.into());
        self
    }

    /// Add a rustflag to the guest build.
    pub fn rustflag(mut self, flag: impl Into<String>) -> GuestBuild {
        self.extra_rustflags.push(flag.into());
        self
    }

    /// Builds the guest into `out_dir/<crate dir name>-target` (its own target directory, so
    /// the nested cargo never waits on the outer build's lock), patches every `.wasm` it
    /// produced and writes the patched modules to `out_dir`. Prints `cargo::rerun-if-changed`
    /// lines for the guest's sources.
    ///
    /// # Errors
    /// [`BuildError`] if cargo fails, nothing is produced, or threadify refuses a module.
    pub fn build(&self, out_dir: &Path) -> Result<Vec<Built>, BuildError> {
        for p in ["src", "Cargo.toml", "Cargo.lock", "rust-toolchain.toml"] {
            println!("cargo::rerun-if-changed={}", self.dir.join(p).display());
        }
        let stem = self.dir.file_name().map_or_else(|| "guest".into(), |s| s.to_string_lossy().into_owned());
        let target_dir = out_dir.join(format!("{stem}-target"));
        let mut cmd = self.command(&target_dir);
        let output = cmd.output().map_err(|e| BuildError::Cargo(format!("cannot run cargo: {e}")))?;
        if !output.status.success() {
            return Err(BuildError::Cargo(String::from_utf8_lossy(&output.stderr).into_owned()));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let wasm: Vec<PathBuf> = wasm_artifacts(&stdout);
        if wasm.is_empty() {
            return Err(BuildError::NoOutput(self.dir.clone()));
        }
        wasm.iter()
            .map(|path| {
                let bytes = std::fs::read(path).map_err(|e| BuildError::Io(path.clone(), e))?;
                let patched = crate::patch_with(&bytes, &self.patch).map_err(|e| BuildError::Patch(path.clone(), e))?;
                let name = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
                let dest = out_dir.join(format!("{name}.wasm"));
                std::fs::write(&dest, patched).map_err(|e| BuildError::Io(dest.clone(), e))?;
                Ok(Built { name, path: dest, unpatched: path.clone() })
            })
            .collect()
    }

    fn command(&self, target_dir: &Path) -> Command {
        let mut cmd = cargo_command(&self.dir);
        if let Some(tc) = &self.toolchain {
            cmd.env("RUSTUP_TOOLCHAIN", tc);
        }
        let mut flags: Vec<&str> = GUEST_RUSTFLAGS.to_vec();
        flags.extend(self.extra_rustflags.iter().map(String::as_str));
        cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
        cmd.args(["build", "--lib", "--message-format=json-render-diagnostics", "--target", TARGET]);
        cmd.arg("--target-dir").arg(target_dir);
        if self.release {
            cmd.arg("--release");
        }
        if self.build_std {
            cmd.arg("-Zbuild-std=std,panic_abort");
        }
        if !self.features.is_empty() {
            cmd.arg("--features").arg(self.features.join(","));
        }
        cmd
    }
}

/// `cargo` run in `dir` with none of the variables an enclosing cargo build set (they describe
/// the host build: its rustflags, target directory, toolchain), so a guest builds as if typed.
pub fn cargo_command(dir: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    for (k, _) in std::env::vars_os() {
        let name = k.to_string_lossy();
        let inherited = (name.starts_with("CARGO")
            && name != "CARGO_HOME"
            && !name.starts_with("CARGO_NET")
            && !name.starts_with("CARGO_HTTP"))
            || name.starts_with("__CARGO")
            || name.starts_with("RUSTC")
            || matches!(
                &*name,
                "RUSTFLAGS" | "RUSTDOC" | "RUSTDOCFLAGS" | "RUSTUP_TOOLCHAIN" | "TARGET" | "HOST" | "OUT_DIR"
            );
        if inherited {
            cmd.env_remove(&k);
        }
    }
    cmd.current_dir(dir);
    cmd
}

/// The `.wasm` files of the `compiler-artifact` messages in cargo's JSON output (one message a
/// line; lines that are not JSON, if any, are skipped).
fn wasm_artifacts(json: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for message in json.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()) {
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let files = message["filenames"].as_array().into_iter().flatten().filter_map(serde_json::Value::as_str);
        for file in files.filter(|f| f.ends_with(".wasm")) {
            if !out.iter().any(|p| p.as_os_str() == file) {
                out.push(PathBuf::from(file));
            }
        }
    }
    out
}
