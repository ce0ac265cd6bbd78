//! Stops a wasm32 build of a guest that lacks the flags threads need, and says what to add;
//! sets `cfg(wthreads_runtime)` where the runtime is compiled. A host compiled to wasm32 (the web
//! runtime's tool module, `web/tool`) builds with `--cfg wthreads_host_only`: then only the
//! constants of `abi` are compiled, as for any host, and no flag is required.

use std::env;

/// Flags whose absence produces a module that cannot run threads, with the reason.
const REQUIRED: &[(&str, &str)] = &[
    ("+atomics", "atomic instructions and shared memory"),
    ("--shared-memory", "a shared linear memory"),
    ("--import-memory", "one memory imported by every thread's instance"),
    ("--max-memory=", "a maximum, which shared memories must declare"),
    ("--export=__stack_pointer", "threadify gives each thread its own stack"),
    ("--export=__tls_base", "threadify gives each thread its own TLS block"),
    ("--export=__tls_size", "threadify gives each thread its own TLS block"),
    ("--export=__tls_align", "threadify gives each thread its own TLS block"),
    ("--export=__wasm_init_tls", "threadify initialises each thread's TLS block"),
];

fn main() {
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    // `cfg(wthreads_runtime)`: the runtime is compiled (a wasm32 guest, or the host target with
    // the `native-runtime` feature); without it only the constants of `abi` are, for hosts.
    println!("cargo::rustc-check-cfg=cfg(wthreads_runtime)");
    println!("cargo::rustc-check-cfg=cfg(wthreads_host_only)");
    let host_only = env::var_os("CARGO_CFG_WTHREADS_HOST_ONLY").is_some();
    let wasm = env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") && !host_only;
    if wasm || env::var_os("CARGO_FEATURE_NATIVE_RUNTIME").is_some() {
        println!("cargo::rustc-cfg=wthreads_runtime");
    }
    if !wasm {
        return;
    }
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let missing: Vec<_> = REQUIRED.iter().filter(|(f, _)| !flags.contains(f)).collect();
    if missing.is_empty() {
        return;
    }
    let mut msg = String::from("wthreads: this wasm32 build lacks flags that threads need:\n");
    for (flag, why) in &missing {
        msg.push_str(&format!("  missing `{flag}`: {why}\n"));
    }
    msg.push_str(concat!(
        "Add these lines to .cargo/config.toml of your guest crate (see the wthreads README):\n\n",
        include_str!("docs/guest-config.toml"),
    ));
    for line in msg.lines() {
        println!("cargo::error={line}");
    }
}
