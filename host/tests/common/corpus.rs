// `check` on every host: the corpus of concurrency bugs and their correct counterparts (issue
// 16, docs/check.md), each program with what `check` must say of it (every other guest program
// of the tests must run clean: `check_clean.rs`). Included by `check.rs` (the native host),
// `node.rs`, `chromium.rs` and `firefox.rs`, each after it defines `check_command(module, name)`,
// the command `… check MODULE --invoke NAME`.

/// How long one `check` of a program may run before the test calls it hung (the slowest, 100,000
/// threads one after another, takes ~25 s natively on 2 busy cores).
const CHECK_DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs `… check MODULE --invoke NAME OPTIONS…` to its end and returns its output.
fn check_program(module: &str, name: &str, options: &[&str]) -> std::process::Output {
    let mut cmd = check_command(module, name);
    cmd.args(options);
    wthreads_guest_tests::output_within(&mut cmd, CHECK_DEADLINE, name)
}

/// A race is reported while the program still runs: `race_reported_while_running` races, then
/// sleeps for seconds and prints `woke` just before it ends. Its output and the reports go to
/// one pipe, in the order they were written: the report must come before `woke`.
#[test]
fn a_race_is_reported_while_the_program_still_runs() {
    let name = "race_reported_while_running";
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut cmd = check_command(wthreads_guest_tests::PROGRAMS, name);
    cmd.stdout(writer.try_clone().unwrap()).stderr(writer);
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut both = String::new();
        tx.send(std::io::Read::read_to_string(&mut reader, &mut both).map(|_| both))
    });
    let Ok(both) = rx.recv_timeout(CHECK_DEADLINE) else {
        child.kill().ok();
        panic!("{name} did not end within {CHECK_DEADLINE:?}: it hangs");
    };
    let both = both.unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(wthreads_host::EXIT_RACE), "{both}");
    let report = both.find("WARNING: data race").unwrap_or_else(|| panic!("no report:\n{both}"));
    let woke = both.find("woke").unwrap_or_else(|| panic!("the program did not end as it does:\n{both}"));
    assert!(report < woke, "the race was reported only after the program ended:\n{both}");
}

mod corpus {
    use super::check_program;
    use wthreads_guest_tests::PROGRAMS;
    use wthreads_host::{EXIT_DEADLOCK, EXIT_RACE};

    /// One access of a race as the report must give it.
    struct Side {
        /// "read" or "write".
        what: &'static str,
        bytes: u32,
        /// Its address, from the address the program prints (`data at ADDR`).
        offset: u32,
        /// How the report names its thread: `('name')`, or `(main)`.
        thread: &'static str,
        /// The function it is in.
        function: &'static str,
    }

    /// What `check` must say of a program.
    enum Verdict {
        /// Exactly one data race, between these two accesses (in either order), on memory whose
        /// location lines (after the two sides) hold these pieces, in this order.
        Race([Side; 2], &'static [&'static str]),
        /// Exactly one lock-order inversion, between the two locks the program prints.
        Inversion,
        /// No report, and the program's own status 0.
        Clean,
        /// The deadlock report and status 102.
        Deadlock,
    }

    const fn side(what: &'static str, bytes: u32, offset: u32, thread: &'static str, f: &'static str) -> Side {
        Side { what, bytes, offset, thread, function: f }
    }

    fn text(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    fn hex(s: &str) -> u32 {
        u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// The side a report's two lines give: `  [Previous ]What of N bytes at ADDR by thread T
    /// LABEL:` and `    at FUNCTION+0xOFFSET`, as (what, bytes, address, label, function).
    fn parse_side(first: &str, second: &str) -> (String, u32, u32, String, String) {
        let first = first.trim_start().trim_start_matches("Previous ").trim_end_matches(':');
        let (what, rest) = first.split_once(" of ").unwrap_or_else(|| panic!("{first}"));
        let (bytes, rest) = rest.split_once(" bytes at ").unwrap_or_else(|| panic!("{first}"));
        let (addr, who) = rest.split_once(" by thread ").unwrap_or_else(|| panic!("{first}"));
        let label = who.split_once(' ').map_or("", |(_, l)| l).to_string();
        let at = second.strip_prefix("    at ").unwrap_or_else(|| panic!("not a location: {second}"));
        let function = at.rsplit_once("+0x").map_or(at, |(f, _)| f).to_string();
        (what.to_lowercase(), bytes.parse().unwrap(), hex(addr), label, function)
    }

    fn expect(name: &str, verdict: &Verdict) {
        let out = check_program(PROGRAMS, name, &[]);
        let (stdout, err) = (text(&out.stdout), text(&out.stderr));
        let status = out.status.code();
        let printed = |prefix: &str| stdout.lines().find_map(|l| l.strip_prefix(prefix)).map(str::to_string);
        match verdict {
            Verdict::Race(sides, location) => {
                assert_eq!(status, Some(EXIT_RACE), "{name}: {err}");
                assert!(err.starts_with("WARNING: data race\n"), "{name}: {err}");
                assert_eq!(err.matches("WARNING").count(), 1, "{name}: one race only:\n{err}");
                assert!(err.ends_with("\nwthreads check: 1 data race reported\n"), "{name}: {err}");
                let data = hex(&printed("data at ").unwrap_or_else(|| panic!("{name}: {stdout}")));
                let lines: Vec<&str> = err.lines().collect();
                let mut found = [parse_side(lines[1], lines[2]), parse_side(lines[3], lines[4])];
                assert!(lines[3].starts_with("  Previous "), "{name}: {err}");
                let mut wanted = sides.each_ref().map(|s| {
                    let function = format!("wthreads_guest_programs::races::{}", s.function);
                    (s.what.to_string(), s.bytes, data + s.offset, s.thread.to_string(), function)
                });
                found.sort();
                wanted.sort();
                assert_eq!(found, wanted, "{name}:\n{err}");
                let mut rest = lines[5..].join("\n");
                for piece in *location {
                    let at = rest.find(piece).unwrap_or_else(|| panic!("{name}: no {piece:?} in its location:\n{err}"));
                    rest.drain(..at + piece.len());
                }
            }
            Verdict::Inversion => {
                assert_eq!(status, Some(EXIT_RACE), "{name}: {err}");
                let locks = printed("locks at ").unwrap_or_else(|| panic!("{name}: {stdout}"));
                let (a, b) = locks.split_once(" and ").unwrap();
                let (low, high) = if hex(a) < hex(b) { (a, b) } else { (b, a) };
                let cycle = format!(
                    "WARNING: lock-order inversion (potential deadlock)\n  Cycle in lock order graph: M0 ({low}) => M1 ({high}) => M0\n"
                );
                assert!(err.starts_with(&cycle), "{name}: {err}");
                assert_eq!(err.matches("WARNING").count(), 1, "{name}: {err}");
                let lines: Vec<&str> = err.lines().collect();
                for (edge, (held, taken)) in [(2, ("M0", "M1")), (5, ("M1", "M0"))] {
                    let holding = format!(" while holding {held}:");
                    assert!(lines[edge].starts_with(&format!("  {taken} acquired by thread ")), "{name}: {err}");
                    assert!(lines[edge].ends_with(&holding), "{name}: {err}");
                    assert!(lines[edge + 1].starts_with(&format!("    {held} taken at ")), "{name}: {err}");
                    assert!(lines[edge + 2].starts_with(&format!("    {taken} taken at ")), "{name}: {err}");
                }
                assert!(err.ends_with("\nwthreads check: 1 lock-order inversion reported\n"), "{name}: {err}");
            }
            Verdict::Clean => {
                assert_eq!(status, Some(0), "{name}: {err}");
                assert!(!err.contains("WARNING") && !err.contains("wthreads check:"), "{name}: {err}");
            }
            Verdict::Deadlock => {
                assert_eq!(status, Some(EXIT_DEADLOCK), "{name}: {err}");
                assert!(err.starts_with("deadlock: all 2 live threads of the program are blocked"), "{name}: {err}");
                assert!(err.contains("held by thread 2") && err.contains("held by thread 1"), "{name}: {err}");
            }
        }
    }

    macro_rules! corpus {
        ($($name:ident => $verdict:expr;)*) => {
            $(
                #[test]
                fn $name() {
                    expect(stringify!($name), &$verdict);
                }
            )*
        };
    }

    corpus! {
        race_publish_by_sleep => Verdict::Race([
            side("write", 8, 0, "('publisher')", "publish"),
            side("read", 8, 0, "(main)", "read_published"),
        ], &["  Location is the module's static data.\n"]);
        race_wider_write_overlap => Verdict::Race([
            side("write", 8, 0, "('wide')", "write_wide"),
            side("write", 2, 6, "('narrow')", "write_narrow"),
        ], &["  Location is the module's static data.\n"]);
        race_slice_split => Verdict::Race([
            side("write", 4, 0, "('first half')", "fill"),
            side("write", 4, 0, "('second half')", "fill"),
        ], &["  Location is a heap block of 256 bytes at ", " allocated by thread 1 (main):\n", "    at race_slice_split+"]);
        race_outside_rwlock => Verdict::Race([
            side("read", 4, 0, "('reader')", "read_locked"),
            side("write", 4, 0, "('writer')", "write_unlocked"),
        ], &["  Location is the module's static data.\n"]);
        race_detached_write => Verdict::Race([
            side("write", 4, 0, "('detached')", "write_result"),
            side("read", 4, 0, "(main)", "read_result"),
        ], &["  Location is the module's static data.\n"]);
        race_on_a_threads_stack => Verdict::Race([
            side("write", 4, 0, "('owner')", "write_result"),
            side("read", 4, 0, "(main)", "read_result"),
        ], &["  Location is the stack of thread 2 ('owner').\n"]);
        race_reported_while_running => Verdict::Race([
            side("write", 8, 0, "('writer')", "publish"),
            side("read", 8, 0, "('reader')", "read_published"),
        ], &["  Location is the module's static data.\n"]);
        test_ordered_atomic_publication => Verdict::Clean;
        test_ordered_condvar_handoff => Verdict::Clean;
        test_ordered_boxed_buffer_channel => Verdict::Clean;
        test_ordered_barrier_phases => Verdict::Clean;
        test_ordered_join_then_read => Verdict::Clean;
        test_ordered_scoped_halves => Verdict::Clean;
        test_ordered_once_lock => Verdict::Clean;
        test_ordered_thread_locals => Verdict::Clean;
        test_ordered_reuse => Verdict::Clean;
        test_lock_order_inversion => Verdict::Inversion;
        test_lock_order_rwlock_inversion => Verdict::Inversion;
        test_lock_order_one_thread => Verdict::Clean;
        test_lock_order_gated => Verdict::Clean;
        deadlock_abba => Verdict::Deadlock;
    }
}
