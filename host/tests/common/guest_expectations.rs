// The expectations of every guest program, shared by the native host's tests (`guests.rs`) and
// the web runtime's tests in Node (`node.rs`) and in Chromium (`chromium.rs`): each includes
// this file after defining `command()`, the command line that runs a module (`… run MODULE`),
// and `ENGINE_CALL_STACK_LIMIT`, the trap message of an engine whose own call stack is smaller
// than the deepest test's recursion (None: deep enough). `foreach_program!` lists every
// exported `test_*`; a program without a `#[test]` of the same name here does not compile.

use std::process::Output;
use std::time::Duration;

macro_rules! assert_test_exists {
    ($suite:ident, $name:ident) => {
        #[allow(unused_imports)]
        use self::$suite::$name as _;
    };
}
wthreads_guest_tests::foreach_program!(assert_test_exists);

/// How long one guest program may run before the test calls it hung (the slowest takes ~30 s
/// on 2 busy cores).
const DEADLINE: Duration = Duration::from_secs(300);

/// Runs `… run MODULE --invoke NAME` and returns its output; fails if it runs past [`DEADLINE`]
/// (a hang is a failure, not a stuck test run).
fn run(module: &str, name: &str) -> Output {
    wthreads_guest_tests::output_within(command().args(["run", module, "--invoke", name]), DEADLINE, name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that the program returned 0 and returns its stdout.
fn pass(module: &str, name: &str) -> String {
    let out = run(module, name);
    assert!(
        out.status.code() == Some(0),
        "{name} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

mod programs {
    #[allow(unused_imports)]
    use super::{pass, run, text};
    use wthreads_guest_tests::PROGRAMS as M;

    #[test]
    pub(super) fn test_spawn_join_value() {
        pass(M, "test_spawn_join_value");
    }

    /// Its events are checked by `trace.rs` (the native host's `wthreads trace`).
    #[test]
    pub(super) fn test_lock_events() {
        pass(M, "test_lock_events");
    }

    /// `check` reports its inversion (`check.rs`); here it runs, and cannot deadlock.
    #[test]
    pub(super) fn test_lock_order_inversion() {
        assert!(pass(M, "test_lock_order_inversion").contains("locks at 0x"));
    }

    /// A program of the corpus whose verdict `check` gives (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_lock_order_rwlock_inversion() {
        assert!(pass(M, "test_lock_order_rwlock_inversion").contains("locks at 0x"));
    }

    /// A program of the corpus whose verdict `check` gives (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_lock_order_one_thread() {
        assert!(pass(M, "test_lock_order_one_thread").contains("locks at 0x"));
    }

    /// A program of the corpus whose verdict `check` gives (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_lock_order_gated() {
        assert!(pass(M, "test_lock_order_gated").contains("locks at 0x"));
    }

    /// A program of the corpus that `check` finds clean (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_ordered_atomic_publication() {
        pass(M, "test_ordered_atomic_publication");
    }

    /// A program of the corpus that `check` finds clean (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_ordered_condvar_handoff() {
        pass(M, "test_ordered_condvar_handoff");
    }

    /// A program of the corpus that `check` finds clean (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_ordered_boxed_buffer_channel() {
        pass(M, "test_ordered_boxed_buffer_channel");
    }

    /// A program of the corpus that `check` finds clean (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_ordered_barrier_phases() {
        pass(M, "test_ordered_barrier_phases");
    }

    /// A program of the corpus that `check` finds clean (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_ordered_join_then_read() {
        pass(M, "test_ordered_join_then_read");
    }

    /// A program of the corpus that `check` finds clean (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_ordered_scoped_halves() {
        pass(M, "test_ordered_scoped_halves");
    }

    /// A program of the corpus that `check` finds clean (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_ordered_once_lock() {
        pass(M, "test_ordered_once_lock");
    }

    /// A program of the corpus that `check` finds clean (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_ordered_thread_locals() {
        pass(M, "test_ordered_thread_locals");
    }

    /// A program of the corpus that `check` finds clean (`common/corpus.rs`); here it runs.
    #[test]
    pub(super) fn test_ordered_reuse() {
        pass(M, "test_ordered_reuse");
    }

    /// Its trace is checked by `trace.rs`; here it runs (its count may be anything up to 2,000).
    #[test]
    pub(super) fn test_racy_counter() {
        assert!(pass(M, "test_racy_counter").contains("counter at 0x"));
    }

    #[test]
    pub(super) fn test_mutex_counter() {
        assert!(pass(M, "test_mutex_counter").contains("counter = 800000"));
    }

    #[test]
    pub(super) fn test_nested_spawn() {
        pass(M, "test_nested_spawn");
    }

    #[test]
    pub(super) fn test_builder_and_current() {
        pass(M, "test_builder_and_current");
    }

    #[test]
    pub(super) fn test_main_thread_is_one() {
        pass(M, "test_main_thread_is_one");
    }

    #[test]
    pub(super) fn test_sleep_and_is_finished() {
        pass(M, "test_sleep_and_is_finished");
    }

    #[test]
    pub(super) fn test_deep_recursion_8_threads() {
        pass(M, "test_deep_recursion_8_threads");
    }

    #[test]
    pub(super) fn test_stack_size_64k() {
        pass(M, "test_stack_size_64k");
    }

    #[test]
    pub(super) fn test_stack_size_8m() {
        if let Some(limit) = super::ENGINE_CALL_STACK_LIMIT {
            // This engine's own call stack cannot hold 6000 nested wasm calls, whatever the
            // shadow stack: the thread must trap with the engine's message, its join must
            // fail, and the program must end (the README's Limits section says so).
            let out = run(M, "test_stack_size_8m");
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(wthreads_host::EXIT_TRAP), "{err}");
            assert!(err.contains(&format!("thread 2 trapped: {limit}")), "{err}");
            return;
        }
        pass(M, "test_stack_size_8m");
    }

    #[test]
    pub(super) fn test_stack_overflow_caught() {
        let out = run(M, "test_stack_overflow_caught");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        // The host reports the dead thread with the handler's message.
        assert!(
            err.contains("'runaway' thread 'runaway' overflowed its stack of 64 KiB; give it a larger one with thread::Builder::stack_size"),
            "{err}"
        );
    }

    #[test]
    pub(super) fn test_hostile_join_and_detach() {
        pass(M, "test_hostile_join_and_detach");
    }

    #[test]
    pub(super) fn test_hostile_wait_wake() {
        pass(M, "test_hostile_wait_wake");
    }

    #[test]
    pub(super) fn test_hostile_join_buffer() {
        pass(M, "test_hostile_join_buffer");
    }

    #[test]
    pub(super) fn test_hostile_write() {
        let out = pass(M, "test_hostile_write");
        assert!(out.ends_with("hostile write\n"), "{out}");
    }

    #[test]
    pub(super) fn test_hostile_abort() {
        pass(M, "test_hostile_abort");
    }

    #[test]
    pub(super) fn test_hostile_spawn_bomb() {
        let out = super::command()
            .args(["run", M, "--invoke", "test_hostile_spawn_bomb", "--max-threads", "64"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }

    #[test]
    pub(super) fn test_hostile_memory_exhaustion() {
        pass(M, "test_hostile_memory_exhaustion");
    }

    #[test]
    pub(super) fn test_panic_in_thread() {
        let out = run(M, "test_panic_in_thread");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
        // The host names the thread and prints the message and location.
        assert!(err.contains("'doomed' panicked at"), "stderr:\n{err}");
        assert!(err.contains("boom 42"), "stderr:\n{err}");
    }

    #[test]
    pub(super) fn test_trap_in_thread() {
        let out = run(M, "test_trap_in_thread");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
        assert!(err.contains("trapped") && err.contains("unreachable"), "stderr:\n{err}");
    }

    /// `… run M --invoke test_output_closed 2>&1 | head -n 1`: the program ends with status 0
    /// although its output (and the host's report of a panic) goes into a closed pipe.
    #[test]
    pub(super) fn test_output_closed() {
        use std::io::Read;
        let (mut reader, writer) = std::io::pipe().unwrap();
        let mut child = super::command()
            .args(["run", M, "--invoke", "test_output_closed"])
            .stdout(writer.try_clone().unwrap())
            .stderr(writer)
            .spawn()
            .expect("the runner starts");
        let mut first = Vec::new();
        let mut byte = [0u8];
        while reader.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
            first.push(byte[0]);
        }
        drop(reader);
        assert_eq!(String::from_utf8_lossy(&first), "first line");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                child.kill().ok();
                panic!("the runner hung after its output was closed");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert_eq!(status.code(), Some(0), "{status:?}");
    }

    /// Runs `name`, which must end the program with a trap (exit 101) whose report contains
    /// `message`.
    fn ends_in_trap(name: &str, message: &str) {
        let out = run(M, name);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(wthreads_host::EXIT_TRAP), "stderr:\n{err}");
        assert!(err.contains(message), "stderr:\n{err}");
    }

    #[test]
    pub(super) fn test_main_panics() {
        ends_in_trap("test_main_panics", "the main thread gives up");
    }

    #[test]
    pub(super) fn test_oom_small_blocks() {
        pass(M, "test_oom_small_blocks");
    }

    #[test]
    pub(super) fn test_oom_on_main() {
        ends_in_trap("test_oom_on_main", "memory allocation of 4 bytes failed");
    }

    #[test]
    pub(super) fn test_lazy_lock_poisoned_message() {
        pass(M, "test_lazy_lock_poisoned_message");
    }

    #[test]
    pub(super) fn test_thread_name_with_nul() {
        pass(M, "test_thread_name_with_nul");
    }

    #[test]
    pub(super) fn test_poison_seen_after_holder_died() {
        pass(M, "test_poison_seen_after_holder_died");
    }

    #[test]
    pub(super) fn test_rwlock_dead_reader_released() {
        pass(M, "test_rwlock_dead_reader_released");
    }

    #[test]
    pub(super) fn test_mpmc_work_queue() {
        pass(M, "test_mpmc_work_queue");
    }

    #[test]
    pub(super) fn test_oneshot() {
        pass(M, "test_oneshot");
    }

    #[test]
    pub(super) fn test_send_timeout() {
        pass(M, "test_send_timeout");
    }

    #[test]
    pub(super) fn test_sleep_until() {
        pass(M, "test_sleep_until");
    }

    #[test]
    pub(super) fn test_lock_value_accessors() {
        pass(M, "test_lock_value_accessors");
    }

    #[test]
    pub(super) fn test_once_lock_get_or_try_init() {
        pass(M, "test_once_lock_get_or_try_init");
    }

    #[test]
    pub(super) fn test_mapped_guards() {
        pass(M, "test_mapped_guards");
    }

    #[test]
    pub(super) fn test_nonpoison_locks() {
        pass(M, "test_nonpoison_locks");
    }

    #[test]
    pub(super) fn test_reentrant_lock() {
        pass(M, "test_reentrant_lock");
    }

    #[test]
    pub(super) fn test_rwlock_downgrade() {
        pass(M, "test_rwlock_downgrade");
    }

    #[test]
    pub(super) fn test_lazy_lock_get_and_force_mut() {
        pass(M, "test_lazy_lock_get_and_force_mut");
    }

    #[test]
    pub(super) fn test_panic_any() {
        let out = run(M, "test_panic_any");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
        assert!(err.contains("src/parity.rs") && err.contains("Box<dyn Any>"), "std's report of an opaque payload, at the caller:\n{err}");
    }

    #[test]
    pub(super) fn test_rwlock_forgotten_read_not_released_elsewhere() {
        pass(M, "test_rwlock_forgotten_read_not_released_elsewhere");
    }

    #[test]
    pub(super) fn test_many_threads_memory_bounded() {
        pass(M, "test_many_threads_memory_bounded");
    }

    #[test]
    pub(super) fn test_detached_threads_reclaimed() {
        pass(M, "test_detached_threads_reclaimed");
    }

    #[test]
    pub(super) fn test_condvar_producer_consumer() {
        pass(M, "test_condvar_producer_consumer");
    }

    #[test]
    pub(super) fn test_condvar_notify_all() {
        pass(M, "test_condvar_notify_all");
    }

    #[test]
    pub(super) fn test_condvar_timeouts() {
        pass(M, "test_condvar_timeouts");
    }

    #[test]
    pub(super) fn test_condvar_spurious_wakeups() {
        pass(M, "test_condvar_spurious_wakeups");
    }

    #[test]
    pub(super) fn test_rwlock_readers_share() {
        pass(M, "test_rwlock_readers_share");
    }

    #[test]
    pub(super) fn test_rwlock_writers_exclusive() {
        pass(M, "test_rwlock_writers_exclusive");
    }

    #[test]
    pub(super) fn test_rwlock_writer_preference() {
        pass(M, "test_rwlock_writer_preference");
    }

    #[test]
    pub(super) fn test_barrier_rounds() {
        pass(M, "test_barrier_rounds");
    }

    #[test]
    pub(super) fn test_once_runs_once() {
        pass(M, "test_once_runs_once");
    }

    #[test]
    pub(super) fn test_once_lock() {
        pass(M, "test_once_lock");
    }

    #[test]
    pub(super) fn test_lazy_lock() {
        pass(M, "test_lazy_lock");
    }

    #[test]
    pub(super) fn test_channel_many_producers() {
        pass(M, "test_channel_many_producers");
    }

    #[test]
    pub(super) fn test_channel_disconnect_and_timeouts() {
        pass(M, "test_channel_disconnect_and_timeouts");
    }

    #[test]
    pub(super) fn test_sync_channel_bounded() {
        pass(M, "test_sync_channel_bounded");
    }

    #[test]
    pub(super) fn test_rendezvous_channel() {
        pass(M, "test_rendezvous_channel");
    }

    #[test]
    pub(super) fn test_scope_borrows() {
        pass(M, "test_scope_borrows");
    }

    #[test]
    pub(super) fn test_scope_panics() {
        pass(M, "test_scope_panics");
    }

    #[test]
    pub(super) fn test_park_unpark() {
        pass(M, "test_park_unpark");
    }

    /// The calls a host that keeps the run makes one after another (`Runtime` on the web),
    /// in one run: state kept between them, input and output through the guest's allocator.
    #[test]
    pub(super) fn test_calls_in_one_run() {
        pass(M, "test_calls_in_one_run");
    }

    #[test]
    pub(super) fn test_thread_local_per_thread() {
        pass(M, "test_thread_local_per_thread");
    }

    #[test]
    pub(super) fn test_thread_local_destructors() {
        pass(M, "test_thread_local_destructors");
    }

    #[test]
    pub(super) fn test_thread_local_access_during_destruction() {
        pass(M, "test_thread_local_access_during_destruction");
    }

    #[test]
    pub(super) fn test_mutex_poisoned_by_panic() {
        pass(M, "test_mutex_poisoned_by_panic");
    }

    #[test]
    pub(super) fn test_rwlock_poisoned_by_panic() {
        pass(M, "test_rwlock_poisoned_by_panic");
    }

    #[test]
    pub(super) fn test_trap_releases_locks() {
        let out = run(M, "test_trap_releases_locks");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
        assert!(err.contains("unreachable"), "the trap is reported:\n{err}");
    }

    #[test]
    pub(super) fn test_once_poisoned_by_panic() {
        pass(M, "test_once_poisoned_by_panic");
    }
}

mod std_programs {
    use super::pass;
    use wthreads_guest_tests::STD_PROGRAMS as M;

    #[test]
    pub(super) fn test_thread_local_distinct() {
        pass(M, "test_thread_local_distinct");
    }

    #[test]
    pub(super) fn test_std_sync_in_threads() {
        pass(M, "test_std_sync_in_threads");
    }

    #[test]
    pub(super) fn test_std_once_lock_in_threads() {
        pass(M, "test_std_once_lock_in_threads");
    }

    #[test]
    pub(super) fn test_std_panic_payload() {
        pass(M, "test_std_panic_payload");
    }

    #[test]
    pub(super) fn test_std_tls_destructors() {
        let out = pass(M, "test_std_tls_destructors");
        assert!(out.contains("std thread_local destructors run: 0, wthreads::thread_local: 4"), "{out}");
    }

    #[test]
    pub(super) fn test_rayon_matches_sequential() {
        pass(M, "test_rayon_matches_sequential");
    }
}

mod port {
    use super::pass;
    use wthreads_guest_tests::PORT as M;

    /// Lines that are not `use` declarations.
    fn body(source: &str) -> Vec<&str> {
        source.lines().filter(|l| !l.starts_with("use ")).collect()
    }

    #[test]
    pub(super) fn test_port_program() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../guest-tests/port");
        let native = std::fs::read_to_string(format!("{dir}/native.rs")).unwrap();
        let guest = std::fs::read_to_string(format!("{dir}/guest.rs")).unwrap();
        assert_eq!(body(&native), body(&guest), "the port changes more than `use` lines");
        assert_ne!(native, guest);

        // The native program is built by `cargo test` as an example of this package.
        let exe = std::env::current_exe().unwrap();
        let examples = exe.parent().and_then(|deps| deps.parent()).unwrap().join("examples");
        let out = std::process::Command::new(examples.join("port_native")).output().expect("the native example runs");
        assert!(out.status.success());
        let expected = String::from_utf8(out.stdout).unwrap();
        assert!(expected.contains("tally of Some(\"worker-3\") dropped at 30"), "{expected}");
        assert_eq!(pass(M, "test_port_program"), expected);
    }
}

mod mandelbrot {
    use super::pass;
    use wthreads_guest_tests::MANDELBROT as M;

    #[test]
    pub(super) fn test_mandelbrot_matches_serial() {
        pass(M, "test_mandelbrot_matches_serial");
    }
}
