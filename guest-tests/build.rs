//! Builds the guest programs for wasm32 with the companion build step, and generates
//! `foreach_program!`, which lists every `test_*` export so that a program without a host test
//! is a compile error in the host's test suite.

use std::fmt::Write as _;
use std::path::PathBuf;
use wthreads_threadify::build::GuestBuild;

/// The pinned nightly of the std guests (`-Zbuild-std`); `scripts/setup.sh` installs it.
const NIGHTLY: &str = "nightly-2026-05-20";

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // The guests depend on the wthreads library in the repository root.
    println!("cargo::rerun-if-changed={}", here.join("../src").display());
    println!("cargo::rerun-if-changed={}", here.join("../build.rs").display());

    // The library's source paths in panic locations are relative to the repository, so that a
    // module (and its size, which the benchmarks hold to a target) does not depend on where the
    // repository was checked out.
    let root = here.join("..").canonicalize().expect("the repository root exists");
    let remap = format!("--remap-path-prefix={}/=", root.display());

    let suites = [
        ("programs", GuestBuild::new(here.join("programs"))),
        ("mandelbrot", GuestBuild::new(here.join("mandelbrot"))),
        ("port", GuestBuild::new(here.join("port"))),
        ("bench", GuestBuild::new(here.join("bench"))),
        ("hello", GuestBuild::new(here.join("hello"))),
        ("embed", GuestBuild::new(here.join("embed"))),
        ("std_programs", GuestBuild::new(here.join("std-programs")).toolchain(NIGHTLY).build_std(true)),
    ];
    let mut consts = String::new();
    let mut arms = String::new();
    for (suite, build) in suites {
        let built = build.rustflag(&remap).build(&out).unwrap_or_else(|e| panic!("guest suite `{suite}`: {e}"));
        let [module] = &built[..] else { panic!("guest suite `{suite}` must build exactly one module") };
        let upper = suite.to_uppercase();
        writeln!(consts, "/// Path of the patched `{suite}` module.\npub const {upper}: &str = {:?};", module.path)
            .unwrap();
        writeln!(
            consts,
            "/// The `{suite}` module before threadify.\npub const {upper}_UNPATCHED: &str = {:?};",
            module.unpatched
        )
        .unwrap();
        let bytes = std::fs::read(&module.path).expect("just written");
        let facts = wthreads_threadify::inspect(&bytes).expect("just patched");
        for (name, _) in facts.exports.iter().filter(|(n, _)| n.starts_with("test_")) {
            writeln!(arms, "        $mac!({suite}, {name});").unwrap();
        }
    }
    let code = format!(
        "{consts}\n/// Calls `$mac!(suite, test_name)` for every guest test program.\n#[macro_export]\nmacro_rules! foreach_program {{\n    ($mac:ident) => {{\n{arms}    }};\n}}\n"
    );
    std::fs::write(out.join("programs.rs"), code).expect("OUT_DIR is writable");
}
