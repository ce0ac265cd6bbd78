// The Node 22 that runs what needs WebAssembly multi-memory (`--memory`, `check`): included by
// `node.rs` and `npm.rs`.

/// The Node that runs the trace tests: the machine's if it is 22 or newer, else the Node 22
/// that scripts/setup.sh installs into target/node22 (`--memory` needs multi-memory, which Node
/// has from 22 on).
fn trace_node() -> String {
    let out = Command::new("node")
        .args(["-p", "process.versions.node.split('.')[0] + ' node-' + process.platform + '-' + process.arch"])
        .output()
        .expect("node runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let (major, package) = text.trim().split_once(' ').expect("node prints its version and platform");
    if major.parse::<u32>().expect("a major version") >= 22 {
        return "node".into();
    }
    let node = format!("{}/../target/node22/node_modules/{package}/bin/node", env!("CARGO_MANIFEST_DIR"));
    assert!(std::path::Path::new(&node).exists(), "no Node 22 at {node}: run scripts/setup.sh");
    node
}
