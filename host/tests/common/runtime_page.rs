// The persistent runtime's test page (`host/tests/runtime/index.html`), shared by `chromium.rs`
// and `firefox.rs`, which define `BROWSER` (`WTHREADS_BROWSER`).

/// `node web/tools/open-page.mjs` on the test page in `BROWSER`: the web runtime served at the
/// root, the page, its script and the guest programs mounted beside it.
fn runtime_calls() -> Command {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/runtime");
    let mut cmd = Command::new("node");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/open-page.mjs"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web"))
        .arg("/runtime.html")
        .args(["--mount", &format!("/runtime.html={dir}/index.html")])
        .args(["--mount", &format!("/calls.mjs={dir}/calls.mjs")])
        .args(["--mount", &format!("/programs.wasm={}", wthreads_guest_tests::PROGRAMS)])
        .args(["--timeout", "150"])
        .env("WTHREADS_BROWSER", BROWSER);
    cmd
}
