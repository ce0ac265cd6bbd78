//! The peer column: the same workloads as a Rust std program on `wasm32-wasip1-threads`
//! (`guest-tests/bench-peer`), run by wasmtime 46's wasi-threads, one process per figure.

use std::path::PathBuf;
use std::process::Command;

/// The wasi-threads peer: wasmtime 46 and the peer program built for `wasm32-wasip1-threads`.
pub(crate) struct Peer {
    wasmtime: PathBuf,
    module: PathBuf,
}

impl Peer {
    /// Finds wasmtime 46 and builds the peer program, or says why there is no peer column.
    pub(crate) fn find() -> Result<Peer, String> {
        let wasmtime =
            std::env::var_os("WTHREADS_PEER_WASMTIME").map_or_else(|| PathBuf::from("wasmtime"), PathBuf::from);
        let version = Command::new(&wasmtime)
            .arg("--version")
            .output()
            .map_err(|_| format!("`{}` not found", wasmtime.display()))?;
        let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
        if !version.starts_with("wasmtime 46.") {
            return Err(format!("`{}` is {version}, not wasmtime 46", wasmtime.display()));
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        let built = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--quiet", "--release", "--target", "wasm32-wasip1-threads", "--manifest-path"])
            .arg(root.join("guest-tests/bench-peer/Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !built.success() {
            return Err("the peer program did not build (is the wasm32-wasip1-threads target installed?)".into());
        }
        Ok(Peer { wasmtime, module: target_dir.join("wasm32-wasip1-threads/release/bench-peer.wasm") })
    }

    /// Runs one workload in a wasmtime process; its own timing, in ns.
    pub(crate) fn call(&self, args: &[&str]) -> f64 {
        let out = Command::new(&self.wasmtime)
            .args(["run", "-W", "threads=y,shared-memory=y", "-S", "threads=y"])
            .arg(&self.module)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("peer {args:?}: {e}"));
        let text = String::from_utf8_lossy(&out.stdout);
        let us: f64 = text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("peer {args:?} printed {text:?}: {}", String::from_utf8_lossy(&out.stderr)));
        us * 1e3
    }
}
