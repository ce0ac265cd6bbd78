// A hand-made module with the shape lld gives a wthreads guest, for tests of how hosts treat
// modules (`cli.rs`, `modules.rs`).

/// A module with the shape lld gives a guest: `version` is the body of
/// `wthreads_abi_version`, `imports` and `fields` go in before and after the definitions.
fn fake_guest(version: &str, imports: &str, fields: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
          (import "env" "memory" (memory 17 100 shared))
          {imports}
          (global $sp (mut i32) (i32.const 1048576))
          (global $tb (mut i32) (i32.const 0))
          (global $ts i32 (i32.const 0))
          (global $ta i32 (i32.const 1))
          (func $init_tls (param i32) local.get 0 global.set $tb)
          (func $entry (param i32))
          (func $version (result i32) {version})
          (func $main (result i32) i32.const 7)
          {fields}
          (export "__stack_pointer" (global $sp))
          (export "__tls_base" (global $tb))
          (export "__tls_size" (global $ts))
          (export "__tls_align" (global $ta))
          (export "__wasm_init_tls" (func $init_tls))
          (export "wthreads_thread_entry" (func $entry))
          (export "wthreads_abi_version" (func $version))
          (export "main" (func $main)))"#
    ))
    .unwrap()
}
