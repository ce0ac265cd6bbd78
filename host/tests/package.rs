//! The crates as they would be published: `cargo package` makes every publishable crate of the
//! workspace (each depends on the others by version, resolved among the ones packaged with it),
//! each `.crate` carries only what it needs, and the guest library's docs build from its
//! package as docs.rs builds them: for wasm32, with the flags its `[package.metadata.docs.rs]`
//! gives, outside this repository (no `.cargo/config.toml` of ours applies).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The crates that are published, in dependency order.
const CRATES: [&str; 4] = ["wthreads", "wthreads-trace", "wthreads-threadify", "wthreads-host"];

/// A target directory of its own: the test's cargo runs beside the one that runs the tests.
fn target() -> PathBuf {
    Path::new(ROOT).join("target/package-check")
}

fn cargo(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO")).args(args).current_dir(ROOT).output().expect("cargo runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo {}: {err}", args.join(" "));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Packages every crate once (without building them: the guest library's docs are built below,
/// and the host's wasmtime would be built a second time in a debug profile).
fn packaged() -> &'static PathBuf {
    static DONE: OnceLock<PathBuf> = OnceLock::new();
    DONE.get_or_init(|| {
        let target = target();
        let mut args = vec!["package", "--no-verify", "--allow-dirty", "--target-dir", target.to_str().unwrap()];
        for name in CRATES {
            args.extend(["-p", name]);
        }
        cargo(&args);
        target.join("package")
    })
}

/// The files of crate `name`'s package.
fn files(name: &str) -> Vec<String> {
    let list = cargo(&["package", "--list", "--allow-dirty", "-p", name]);
    list.lines().map(str::to_owned).collect()
}

#[test]
fn every_crate_is_packaged() {
    let dir = packaged();
    for name in CRATES {
        let file = dir.join(format!("{name}-0.1.0.crate"));
        assert!(file.exists(), "{} was not made", file.display());
    }
}

#[test]
fn each_package_carries_only_what_it_needs() {
    let root = files("wthreads");
    for needed in ["src/lib.rs", "build.rs", "docs/guest-config.toml", "README.md", "Cargo.toml"] {
        assert!(root.iter().any(|f| f == needed), "the guest library's package lacks {needed}: {root:?}");
    }
    let strays = ["web/", "scripts/", ".cargo/", "host/", "guest-tests/", "threadify/", "trace/", "docs/abi.md"];
    for f in &root {
        assert!(!strays.iter().any(|s| f.starts_with(s)), "the guest library's package carries {f}");
    }
    for name in ["wthreads-trace", "wthreads-threadify", "wthreads-host"] {
        let list = files(name);
        assert!(list.iter().any(|f| f == "src/lib.rs") && list.iter().any(|f| f == "README.md"), "{name}: {list:?}");
        let stray = list.iter().find(|f| f.starts_with("tests/") || f.starts_with("examples/") || f.ends_with(".wasm"));
        assert!(stray.is_none(), "{name}'s package carries {stray:?}");
    }
}

/// The guest library's docs, from its `.crate`, as docs.rs builds them.
#[test]
fn the_guest_library_documents_itself_on_wasm32_from_its_package() {
    let dir = packaged();
    let unpacked = std::env::temp_dir().join(format!("wthreads-package-{}", std::process::id()));
    std::fs::create_dir_all(&unpacked).unwrap();
    let crate_file = dir.join("wthreads-0.1.0.crate");
    let tar = Command::new("tar").arg("xzf").arg(&crate_file).arg("-C").arg(&unpacked).status().unwrap();
    assert!(tar.success(), "cannot unpack {}", crate_file.display());
    let src = unpacked.join("wthreads-0.1.0");
    let manifest = src.join("Cargo.toml");
    let metadata =
        cargo(&["metadata", "--format-version", "1", "--no-deps", "--manifest-path", manifest.to_str().unwrap()]);
    let metadata: serde_json::Value = serde_json::from_str(&metadata).unwrap();
    let docs_rs = &metadata["packages"][0]["metadata"]["docs"]["rs"];
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap_or_else(|| panic!("{docs_rs}"))
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(strings(&docs_rs["targets"]), ["wasm32-unknown-unknown"]);
    let flags = strings(&docs_rs["rustc-args"]);
    let out = Command::new(env!("CARGO"))
        .args(["doc", "--no-deps", "--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(target().join("docs"))
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"))
        .current_dir(&src)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&unpacked).ok();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The runtime is documented, not only the constants a host shares.
    let html = target().join("docs/wasm32-unknown-unknown/doc/wthreads");
    for page in ["thread/fn.spawn.html", "sync/struct.Mutex.html", "sync/struct.Condvar.html", "abi/index.html"] {
        assert!(html.join(page).exists(), "docs.rs would not document {page}");
    }
}
