//! `wthreads-patch`, the light binary for users who only patch (no wasmtime to build): it writes
//! what the library's `patch` makes, and behaves as a conventional command line does (`--help`
//! and `--version` with status 0, a usage error that suggests the close argument with status 2,
//! a module it refuses named with the reason and nothing written).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn patch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wthreads-patch")).args(args).output().expect("wthreads-patch runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh file path in the temporary directory.
fn temp(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("wthreads-patch-{}-{name}", std::process::id()));
    std::fs::remove_file(&path).ok();
    path
}

#[test]
fn help_and_version_go_to_stdout_with_status_0() {
    let o = patch(&["--version"]);
    assert!(o.status.success() && text(&o.stdout).starts_with("wthreads-patch "), "{}", text(&o.stdout));
    let o = patch(&["--help"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("Usage: wthreads-patch [OPTIONS] --output <OUT.wasm> <IN.wasm>"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn a_usage_error_suggests_the_close_argument() {
    let o = patch(&["in.wasm", "--outptu=x.wasm"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("a similar argument exists: '--output'"), "{}", text(&o.stderr));
}

#[test]
fn writes_what_the_library_makes_and_refuses_a_second_patch() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.wat");
    let input = temp("in.wasm");
    std::fs::write(&input, wat::parse_file(&fixture).unwrap()).unwrap();
    let output = temp("out.wasm");
    let o = patch(&[input.to_str().unwrap(), "--output", output.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let expected = wthreads_threadify::patch(&std::fs::read(&input).unwrap()).unwrap();
    assert_eq!(std::fs::read(&output).unwrap(), expected);

    let again = temp("again.wasm");
    let o = patch(&[output.to_str().unwrap(), "-o", again.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("already patched"), "{}", text(&o.stderr));
    assert!(!again.exists(), "a refused patch wrote output");
    for f in [input, output] {
        std::fs::remove_file(f).ok();
    }
}
