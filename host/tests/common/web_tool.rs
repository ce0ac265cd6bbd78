// The web runtime's tool module for the trace and check tests of the web hosts: built once
// per test binary by scripts/web-tool.sh into target/web-tool (the build is a no-op when it is
// up to date), so that the demo, which needs no tool, does not build it.

/// The path of the tool module, built on first use.
fn web_tool() -> &'static str {
    static BUILT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let dir = format!("{root}/target/web-tool");
        let wasm = format!("{dir}/wthreads-tool.wasm");
        let out = std::process::Command::new("bash")
            .arg(format!("{root}/scripts/web-tool.sh"))
            .args([&wasm, &dir])
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "scripts/web-tool.sh failed:\n{}", String::from_utf8_lossy(&out.stderr));
        wasm
    })
}
