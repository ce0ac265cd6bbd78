//! Everything that states the runtime API agrees with its one table (`wthreads::abi`): the
//! imports the guest library declares, `web/abi.mjs` and `docs/abi.md`. (Each host checks its
//! own definitions against the table when it loads a module: the native host in
//! `imports::check_definitions`, the web runtime in `web/worker.mjs`.)

use std::collections::BTreeMap;
use wthreads::abi::{self, Function};

/// The functions a module imports from `module`, with their types as the table writes them.
fn imports_of(path: &str, module: &str) -> BTreeMap<String, String> {
    let bytes = std::fs::read(path).unwrap();
    let mut types = Vec::new();
    let mut found = BTreeMap::new();
    let list = |tys: &[wasmparser::ValType]| tys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        match payload.unwrap() {
            wasmparser::Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    let f = ty.unwrap();
                    types.push(format!("({}) -> ({})", list(f.params()), list(f.results())));
                }
            }
            wasmparser::Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.unwrap();
                    if let (true, wasmparser::TypeRef::Func(t)) = (imp.module == module, imp.ty) {
                        found.insert(imp.name.to_string(), types[t as usize].clone());
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// The table as names and types.
fn table(functions: &[Function]) -> BTreeMap<String, String> {
    functions.iter().map(|f| (f.name.to_string(), f.signature().to_string())).collect()
}

/// The guest library's `extern` blocks (`src/sys/wasm.rs`) declare exactly the table's
/// functions: every import of the guest modules is in the table with its type, and every
/// function of the table is imported by one of them (the traced guest has `lock_event`).
#[test]
fn guest_imports_are_the_table() {
    let guests = [wthreads_guest_tests::PROGRAMS_UNPATCHED, wthreads_guest_tests::TRACED_UNPATCHED];
    for (module, functions) in [(abi::IMPORT_MODULE, abi::IMPORTS), (abi::PATCH_MODULE, abi::PATCH_IMPORTS)] {
        let want = table(functions);
        let mut seen = BTreeMap::new();
        for guest in guests {
            for (name, ty) in imports_of(guest, module) {
                let expected = want
                    .get(&name)
                    .unwrap_or_else(|| panic!("the guest imports `{module}.{name}`, which the table lacks"));
                assert_eq!(&ty, expected, "the guest's `{module}.{name}` has another type than the table's");
                seen.insert(name, ty);
            }
        }
        for name in want.keys() {
            assert!(seen.contains_key(name), "no guest imports `{module}.{name}`: is it missing from src/sys/wasm.rs?");
        }
    }
}

/// `web/abi.mjs` has the table's imports (names and types) and its constants.
#[test]
fn web_abi_is_the_table() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/abi.mjs")).unwrap();
    let object = |name: &str| -> BTreeMap<String, String> {
        let start =
            source.find(&format!("export const {name} = {{")).unwrap_or_else(|| panic!("web/abi.mjs has no {name}"));
        let body = &source[start..source[start..].find("};").map(|e| start + e).unwrap()];
        body.lines()
            .skip(1)
            .filter_map(|l| {
                let (name, ty) = l.trim().split_once(": ")?;
                Some((name.to_string(), ty.trim_end_matches(',').trim_matches('\'').to_string()))
            })
            .collect()
    };
    assert_eq!(object("IMPORTS"), table(abi::IMPORTS), "web/abi.mjs IMPORTS differs from wthreads::abi::IMPORTS");
    assert_eq!(object("EXPORTS"), table(abi::EXPORTS), "web/abi.mjs EXPORTS differs from wthreads::abi::EXPORTS");

    let value = |name: &str| -> i64 {
        let prefix = format!("export const {name} = ");
        let line = source.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("{name} missing"));
        line.trim_end_matches(';').parse().unwrap()
    };
    let expected: &[(&str, i64)] = &[
        ("ABI_VERSION", abi::ABI_VERSION.into()),
        ("MAIN_THREAD_ID", abi::MAIN_THREAD_ID.into()),
        ("JOIN_RETURNED", abi::JOIN_RETURNED.into()),
        ("JOIN_TRAPPED", abi::JOIN_TRAPPED.into()),
        ("WAIT_WOKEN", abi::WAIT_WOKEN.into()),
        ("WAIT_NOT_EQUAL", abi::WAIT_NOT_EQUAL.into()),
        ("WAIT_TIMED_OUT", abi::WAIT_TIMED_OUT.into()),
        ("FD_STDOUT", abi::FD_STDOUT.into()),
        ("FD_STDERR", abi::FD_STDERR.into()),
        ("LOCK_ACQUIRE_STARTED", abi::LOCK_ACQUIRE_STARTED.into()),
        ("LOCK_ACQUIRED", abi::LOCK_ACQUIRED.into()),
        ("LOCK_RELEASED", abi::LOCK_RELEASED.into()),
        ("LOCK_TRY_FAILED", abi::LOCK_TRY_FAILED.into()),
        ("LOCK_EVENT_MASK", abi::LOCK_EVENT_MASK.into()),
        ("LOCK_SHARED", abi::LOCK_SHARED.into()),
        ("LOCK_INTERNAL", abi::LOCK_INTERNAL.into()),
        ("ERR_NO_SUCH_THREAD", abi::ERR_NO_SUCH_THREAD.into()),
        ("ERR_JOIN_SELF", abi::ERR_JOIN_SELF.into()),
        ("ERR_ALREADY_JOINED", abi::ERR_ALREADY_JOINED.into()),
        ("ERR_THREAD_LIMIT", abi::ERR_THREAD_LIMIT.into()),
        ("ERR_OUT_OF_BOUNDS", abi::ERR_OUT_OF_BOUNDS.into()),
        ("ERR_MISALIGNED", abi::ERR_MISALIGNED.into()),
        ("ERR_BAD_FD", abi::ERR_BAD_FD.into()),
        ("ERR_SPAWN_FAILED", abi::ERR_SPAWN_FAILED.into()),
        ("ERR_INVALID_ARGUMENT", abi::ERR_INVALID_ARGUMENT.into()),
        ("EXIT_TRAP", wthreads_host::EXIT_TRAP.into()),
        ("EXIT_MODULE", wthreads_host::EXIT_MODULE.into()),
    ];
    for (name, want) in expected {
        assert_eq!(value(name), *want, "web/abi.mjs: {name}");
    }
}

/// `docs/abi.md` describes every function of the table, in a heading or a list item that
/// starts with its call (`### \`wait32(` or `- \`write(`).
#[test]
fn docs_describe_the_table() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/abi.md")).unwrap();
    let entries: Vec<&str> = doc.lines().filter(|l| l.starts_with("### ") || l.starts_with("- `")).collect();
    for f in abi::IMPORTS {
        let call = format!("`{}(", f.name);
        assert!(
            entries.iter().any(|e| e.contains(&call)),
            "docs/abi.md does not describe `wthreads.{}` (a heading or list item with {call})",
            f.name
        );
    }
    for f in abi::PATCH_IMPORTS.iter().chain(abi::EXPORTS) {
        let named = doc.contains(&format!("`{}`", f.name)) || doc.contains(&format!("`{}(", f.name));
        assert!(named, "docs/abi.md does not name `{}`", f.name);
    }
}
