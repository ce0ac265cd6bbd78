//! Everything that states the runtime API agrees with its one table (`wthreads::abi`): the
//! imports the guest library declares, `web/abi.mjs` and `docs/abi.md`. (Each host checks its
//! own definitions against the table when it loads a module: the native host in
//! `imports::check_definitions`, the web runtime in `web/worker.mjs`.)

use std::collections::BTreeMap;
use wthreads::abi::{self, Function};

/// A module's function imports (`(module, name)`) and function exports (by name), each with its
/// type as the table writes it.
type Functions = (BTreeMap<(String, String), String>, BTreeMap<String, String>);

fn functions_of(path: &str) -> Functions {
    let bytes = std::fs::read(path).unwrap();
    let (mut types, mut functions, mut imports, mut exports) =
        (Vec::new(), Vec::new(), BTreeMap::new(), BTreeMap::new());
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
                    if let wasmparser::TypeRef::Func(t) = imp.ty {
                        functions.push(t);
                        imports.insert((imp.module.to_string(), imp.name.to_string()), types[t as usize].clone());
                    }
                }
            }
            wasmparser::Payload::FunctionSection(r) => functions.extend(r.into_iter().map(Result::unwrap)),
            wasmparser::Payload::ExportSection(r) => {
                for e in r {
                    let e = e.unwrap();
                    if e.kind == wasmparser::ExternalKind::Func {
                        exports.insert(e.name.to_string(), types[functions[e.index as usize] as usize].clone());
                    }
                }
            }
            _ => {}
        }
    }
    (imports, exports)
}

/// The functions a module imports from `module`, with their types.
fn imports_of(path: &str, module: &str) -> BTreeMap<String, String> {
    functions_of(path).0.into_iter().filter(|((m, _), _)| m == module).map(|((_, name), ty)| (name, ty)).collect()
}

/// The table as names and types.
fn table(functions: &[Function]) -> BTreeMap<String, String> {
    functions.iter().map(|f| (f.name.to_string(), f.signature().to_string())).collect()
}

/// The guest library's `extern` blocks (`src/sys/wasm.rs`) and threadify's patch (which adds
/// `wait_watched`) declare exactly the table's functions: every import of the guest modules is
/// in the table with its type, and every function of the table is imported by one of them.
#[test]
fn guest_imports_are_the_table() {
    let (unpatched, patched) = (wthreads_guest_tests::PROGRAMS_UNPATCHED, wthreads_guest_tests::PROGRAMS);
    for (module, functions, guests) in [
        (abi::IMPORT_MODULE, abi::IMPORTS, vec![unpatched, patched]),
        (abi::PATCH_MODULE, abi::PATCH_IMPORTS, vec![unpatched]),
    ] {
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

/// Every guest (with or without std, the smallest too) exports the functions a host allocates
/// with, with the table's types, patched or not.
#[test]
fn guests_export_the_allocation_functions() {
    let guests = [
        wthreads_guest_tests::PROGRAMS_UNPATCHED,
        wthreads_guest_tests::PROGRAMS,
        wthreads_guest_tests::STD_PROGRAMS,
        wthreads_guest_tests::HELLO,
    ];
    for guest in guests {
        let exported = functions_of(guest).1;
        for (name, ty) in table(abi::ALLOC_EXPORTS) {
            assert_eq!(exported.get(&name), Some(&ty), "{guest}: export `{name}`");
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
    let alloc = object("ALLOC_EXPORTS");
    assert_eq!(alloc, table(abi::ALLOC_EXPORTS), "web/abi.mjs ALLOC_EXPORTS differs from wthreads::abi::ALLOC_EXPORTS");
    assert_eq!(object("TRACE_IMPORTS"), table(abi::TRACE_IMPORTS), "web/abi.mjs TRACE_IMPORTS differs");
    let string = |name: &str| -> &str {
        let prefix = format!("export const {name} = '");
        let line = source.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("{name} missing"));
        line.trim_end_matches("';")
    };
    assert_eq!(string("TRACE_MODULE"), abi::TRACE_MODULE);
    assert_eq!(string("TRACE_ORDER_MEMORY"), abi::TRACE_ORDER_MEMORY);
    assert_eq!(string("EXPORT_TRACE_BUFFER"), abi::EXPORT_TRACE_BUFFER);
    assert_eq!(string("EXPORT_TRACE_CURSOR"), abi::EXPORT_TRACE_CURSOR);
    assert_eq!(string("EXPORT_STACK_POINTER"), abi::EXPORT_STACK_POINTER);
    assert_eq!(string("EXPORT_DATA_END"), abi::EXPORT_DATA_END);
    assert_eq!(string("BINDGEN_PLACEHOLDER_MODULE"), abi::BINDGEN_PLACEHOLDER_MODULE);
    assert_eq!(string("BINDGEN_GLUE_SUFFIX"), abi::BINDGEN_GLUE_SUFFIX);
    assert_eq!(string("EXPORT_BINDGEN_START"), abi::EXPORT_BINDGEN_START);

    let value = |name: &str| -> i64 {
        let prefix = format!("export const {name} = ");
        let line = source.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("{name} missing"));
        line.trim_end_matches(';').parse().unwrap()
    };
    // Every constant of the table, and the hosts' exit statuses.
    let exits = [
        ("EXIT_TRAP", wthreads_host::EXIT_TRAP.into()),
        ("EXIT_MODULE", wthreads_host::EXIT_MODULE.into()),
        ("EXIT_RACE", wthreads_host::EXIT_RACE.into()),
        ("EXIT_DEADLOCK", wthreads_host::EXIT_DEADLOCK.into()),
    ];
    let expected: Vec<(&str, i64)> = abi::CONSTANTS.iter().copied().chain(exits).collect();
    for (name, want) in expected {
        assert_eq!(value(name), want, "web/abi.mjs: {name}");
    }
}

/// The web runtime's recorder (`web/trace/recorder.mjs`) writes the raw trace format with the
/// constants of `wthreads_trace::raw`, which reads it.
#[test]
fn web_recorder_writes_the_raw_format() {
    use wthreads_host::trace::raw;
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/trace/recorder.mjs")).unwrap();
    let value = |name: &str| -> String {
        let prefix = format!("const {name} = ");
        let line = source
            .lines()
            .find_map(|l| l.strip_prefix("export ").unwrap_or(l).strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("{name} missing"));
        line.trim_end_matches(';').trim_matches('\'').to_string()
    };
    let numbers = [
        ("THREAD", raw::THREAD as usize),
        ("TEXT", raw::TEXT as usize),
        ("END", raw::END as usize),
        ("ITEM_EVENT", raw::ITEM_EVENT.into()),
        ("ITEM_ACCESSES", raw::ITEM_ACCESSES.into()),
        ("EVENT_SIZE", raw::EVENT_SIZE),
        ("ACCESSES_HEADER", raw::ACCESSES_HEADER),
    ];
    for (name, want) in numbers {
        assert_eq!(value(name), want.to_string(), "web/trace/recorder.mjs: {name}");
    }
    assert_eq!(value("MAGIC").as_bytes(), raw::MAGIC, "web/trace/recorder.mjs: MAGIC");
    assert_eq!(value("NO_SITE"), format!("{:#x}", wthreads_host::trace::NO_SITE), "web/trace/recorder.mjs: NO_SITE");
}

/// `wthreads::abi::CONSTANTS` lists every numeric constant `src/abi.rs` declares, with its value
/// (so that a new constant cannot be left out of the mirrors it checks).
#[test]
fn abi_constants_are_all_listed() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../src/abi.rs")).unwrap();
    let declared: Vec<&str> = source
        .lines()
        .filter_map(|l| {
            l.strip_prefix("pub const ")?
                .split_once(": ")
                .filter(|(_, ty)| ["i32 ", "u32 ", "i64 "].iter().any(|t| ty.starts_with(t)))
                .map(|(n, _)| n)
        })
        .collect();
    let listed: Vec<&str> = abi::CONSTANTS.iter().map(|(n, _)| *n).collect();
    assert_eq!(listed, declared, "wthreads::abi::CONSTANTS differs from the constants of src/abi.rs");
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
    for f in abi::PATCH_IMPORTS.iter().chain(abi::EXPORTS).chain(abi::ALLOC_EXPORTS) {
        let named = doc.contains(&format!("`{}`", f.name)) || doc.contains(&format!("`{}(", f.name));
        assert!(named, "docs/abi.md does not name `{}`", f.name);
    }
}
