// The persistent runtime's test in a page (`host/tests/runtime/calls.mjs` in `common/page.html`),
// shared by `chromium.rs` and `firefox.rs`, which define `BROWSER` (`WTHREADS_BROWSER`).

/// `node web/tools/open-page.mjs` on the test's page in `BROWSER`: the web runtime served at the
/// root, the page, the test's script and the guest programs mounted beside it.
fn runtime_calls() -> Command {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");
    let mut cmd = Command::new("node");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tools/open-page.mjs"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../web"))
        .arg("/test.html")
        .args(["--mount", &format!("/test.html={dir}/common/page.html")])
        .args(["--mount", &format!("/test.mjs={dir}/runtime/calls.mjs")])
        .args(["--mount", &format!("/programs.wasm={}", wthreads_guest_tests::PROGRAMS)])
        .args(["--timeout", "150"])
        .env("WTHREADS_BROWSER", BROWSER);
    cmd
}
