//! What tracing costs the web runtime: `web/tools/bench-trace.mjs` on the benchmark module
//! (guest-tests/bench), in the machine's Node, in the Node 22 that `scripts/setup.sh --tests`
//! installs where the machine's is older (Node 20 has no multi-memory, so no `--memory`), and in
//! headless Chromium. Builds the tool module first (scripts/web-tool.sh into target/web-tool).
//! Prints one table per engine; docs/benchmarks.md records a run.
//!
//! `cargo run --release -p wthreads-host --example web_trace_cost [-- RUNS]`

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs = std::env::args().nth(1).unwrap_or_else(|| "5".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("target/web-tool");
    let tool = dir.join("wthreads-tool.wasm");
    let built = Command::new("bash").arg(root.join("scripts/web-tool.sh")).arg(&tool).arg(&dir).status()?;
    if !built.success() {
        return Err(format!("scripts/web-tool.sh failed: {built}").into());
    }
    let mut nodes = vec![PathBuf::from("node")];
    // The Node 22 of scripts/setup.sh, whatever the platform's package is called.
    if let Ok(packages) = std::fs::read_dir(root.join("target/node22/node_modules")) {
        nodes.extend(packages.flatten().map(|p| p.path().join("bin/node")).filter(|n| n.exists()));
    }
    // Each Node, then Chromium (driven by the last Node).
    let mut runs_in: Vec<(PathBuf, Option<&str>)> = nodes.iter().map(|n| (n.clone(), None)).collect();
    runs_in.extend(nodes.last().map(|n| (n.clone(), Some("--chromium"))));
    for (node, chromium) in runs_in {
        let status = Command::new(&node)
            .arg(root.join("web/tools/bench-trace.mjs"))
            .arg(wthreads_guest_tests::BENCH)
            .arg(&runs)
            .args(chromium)
            .env("WTHREADS_TOOL", &tool)
            .status()?;
        if !status.success() {
            let place = chromium.map_or_else(|| node.display().to_string(), |_| "Chromium".into());
            return Err(format!("web/tools/bench-trace.mjs failed in {place}: {status}").into());
        }
    }
    Ok(())
}
