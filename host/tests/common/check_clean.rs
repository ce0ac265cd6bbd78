// Every guest program under `check`, shared by the hosts that run the whole suite so
// (`check.rs`, `node.rs`, `chromium.rs`); uses `check_program` of `corpus.rs`.

/// Every guest program of the tests but the corpus's racy ones runs clean under `check`: no
/// report (the runtime's own hand-offs included), and the program's own status.
mod clean {
    use super::check_program;

    /// Programs that end with a trap under `run` too (their tests say why).
    const TRAPS: &[&str] = &["test_main_panics", "test_oom_on_main"];

    /// Programs whose tests run them with options, and the options.
    const OPTIONS: &[(&str, &[&str])] = &[("test_hostile_spawn_bomb", &["--max-threads", "64"])];

    /// What an engine whose own call stack is smaller than the deepest test's recursion says
    /// (Chromium's workers; `test_stack_size_8m` traps there under `run` too).
    const ENGINE_STACK: &str = "Maximum call stack size exceeded";

    /// Programs with races or inversions on purpose: their verdicts are the corpus's.
    const REPORTED: &[&str] =
        &["test_racy_counter", "test_lock_order_inversion", "test_lock_order_rwlock_inversion"];

    /// Programs whose accesses are too many to record in a test run, and the export that does
    /// the same on a smaller input.
    const SMALLER: &[(&str, &str)] = &[("test_rayon_matches_sequential", "rayon_matches_sequential_small")];

    fn clean(module: &str, name: &str) {
        if REPORTED.contains(&name) {
            return;
        }
        let options = OPTIONS.iter().find(|(n, _)| *n == name).map_or(&[][..], |(_, o)| o);
        let name = SMALLER.iter().find(|(big, _)| *big == name).map_or(name, |(_, small)| small);
        let out = check_program(module, name, options);
        let err = String::from_utf8_lossy(&out.stderr);
        let trap = TRAPS.contains(&name) || (name == "test_stack_size_8m" && err.contains(ENGINE_STACK));
        let status = if trap { wthreads_host::EXIT_TRAP } else { 0 };
        assert_eq!(out.status.code(), Some(status), "{name}: {err}");
        assert!(!err.contains("WARNING") && !err.contains("wthreads check:"), "{name}: {err}");
    }

    macro_rules! clean_test {
        (programs, $name:ident) => {
            clean_test!(PROGRAMS, $name, test);
        };
        (std_programs, $name:ident) => {
            clean_test!(STD_PROGRAMS, $name, test);
        };
        (mandelbrot, $name:ident) => {
            clean_test!(MANDELBROT, $name, test);
        };
        (port, $name:ident) => {
            clean_test!(PORT, $name, test);
        };
        ($module:ident, $name:ident, test) => {
            #[test]
            fn $name() {
                clean(wthreads_guest_tests::$module, stringify!($name));
            }
        };
    }
    wthreads_guest_tests::foreach_program!(clean_test);
}
