//! The wasm-bindgen example (`guest-tests/bindgen`: `#[wasm_bindgen]` exports, web-sys calls,
//! wthreads threads) built as its users build it: cargo with std (the crate's pinned nightly,
//! `-Zbuild-std`), threadify, then `wasm-bindgen --target web` (the command line, installed by
//! scripts/setup.sh --tests). Its exports are called through a `Runtime` made with the glue in
//! Node, Chromium and Firefox (`bindgen/calls.mjs`); a module in the other order is refused by
//! threadify and the runtime with a message that names the order.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use wthreads_threadify::build::GuestBuild;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// wasm-bindgen's output for the example, built on first use: its directory and the name of its
/// files (`NAME.js`, `NAME_bg.wasm`).
fn package() -> &'static (PathBuf, String) {
    static PACKAGE: OnceLock<(PathBuf, String)> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        let out = Path::new(ROOT).join("target/bindgen-example");
        let built = GuestBuild::new(Path::new(ROOT).join("guest-tests/bindgen"))
            .build_std(true)
            .build(&out)
            .unwrap_or_else(|e| panic!("building the wasm-bindgen example: {e}"));
        let [module] = &built[..] else { panic!("the example builds one module: {built:?}") };
        let cli = Path::new(ROOT).join("target/wasm-bindgen-cli/bin/wasm-bindgen");
        assert!(cli.exists(), "no wasm-bindgen at {}: run scripts/setup.sh --tests", cli.display());
        let pkg = out.join("pkg");
        let done =
            Command::new(cli).arg(&module.path).args(["--target", "web", "--out-dir"]).arg(&pkg).output().unwrap();
        assert!(done.status.success(), "wasm-bindgen: {}", String::from_utf8_lossy(&done.stderr));
        (pkg, module.name.clone())
    })
}

/// What `bindgen/calls.mjs` saw, run by `cmd` (which prints `{ state, result }` last).
fn seen(cmd: &mut Command) -> serde_json::Value {
    let out = wthreads_guest_tests::output_within(cmd, std::time::Duration::from_secs(180), "the wasm-bindgen example");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    // The last line: before it, in Node, what the threads logged through web-sys.
    let last = said.lines().last().unwrap_or_default();
    let page: serde_json::Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {said}"));
    assert_eq!(page["state"], "done", "{page}");
    let seen = page["result"].clone();
    let (_, name) = package();
    let expected = serde_json::json!({
        "sum": 332_833_500,
        "greeting": "hello, page, from thread 'greeter'",
        "lines": ["thread 0 logs through web-sys", "thread 1 logs through web-sys", "thread 2 logs through web-sys"],
        "calls": [1, 2],
        "readBack": "through the guest allocator",
        "noSuchExport": { "error": "module", "message": "the module does not export `no_such_export`" },
        "stderr": "",
        "withoutGlue": {
            "error": "module",
            "message": format!(
                "the module was made by wasm-bindgen (it imports `./{name}_bg.js.memory`): pass the JavaScript glue wasm-bindgen wrote beside it (`{name}.js`) as the `bindgen` option"
            ),
        },
    });
    assert_eq!(seen, expected);
    seen
}

/// `node web/tools/open-page.mjs` on `bindgen/calls.mjs` in `common/page.html` in `browser`, with
/// the web runtime at the root and wasm-bindgen's output as `/pkg/app.js` and `/pkg/app_bg.wasm`.
fn page(browser: &str) -> Command {
    let (pkg, name) = package();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");
    let mut cmd = Command::new("node");
    cmd.arg(format!("{ROOT}/web/tools/open-page.mjs"))
        .arg(format!("{ROOT}/web"))
        .arg("/test.html")
        .args(["--mount", &format!("/test.html={dir}/common/page.html")])
        .args(["--mount", &format!("/test.mjs={dir}/bindgen/calls.mjs")])
        .args(["--mount", &format!("/pkg/app.js={}", pkg.join(format!("{name}.js")).display())])
        .args(["--mount", &format!("/pkg/app_bg.wasm={}", pkg.join(format!("{name}_bg.wasm")).display())])
        .args(["--timeout", "150"])
        .env("WTHREADS_BROWSER", browser);
    cmd
}

#[test]
fn a_wasm_bindgen_crate_runs_in_node() {
    let (pkg, name) = package();
    seen(Command::new("node").arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bindgen/node.mjs")).arg(pkg).arg(name));
}

#[test]
fn a_wasm_bindgen_crate_runs_in_chromium() {
    seen(&mut page("chromium"));
}

#[test]
fn a_wasm_bindgen_crate_runs_in_firefox() {
    seen(&mut page("firefox"));
}

/// threadify comes before wasm-bindgen: given wasm-bindgen's output, it says so (rather than
/// that the TLS exports, which wasm-bindgen took, are missing).
#[test]
fn threadify_names_the_order() {
    let (pkg, name) = package();
    let bytes = std::fs::read(pkg.join(format!("{name}_bg.wasm"))).unwrap();
    let err = wthreads_threadify::patch(&bytes).expect_err("wasm-bindgen's output is refused").to_string();
    assert!(err.starts_with("the module is wasm-bindgen's output (it "), "{err}");
    assert!(err.contains("patch the module cargo built, before wasm-bindgen"), "{err}");
}
