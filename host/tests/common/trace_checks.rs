// The checks of `trace` that every host passes (included by `trace.rs`, `node.rs` and
// `chromium.rs`, which define `trace_command()` and `HOST`): the trace of
// every guest program holds what docs/trace.md promises (every lock acquired is released or
// its holder died, spawn → start → exit → join, barrier waits and initialiser runs end where
// they began, a message is received after it is sent, per-thread time never goes backwards,
// every site names a function, the Perfetto JSON parses and its slices nest, the RAPID lines
// have its shape and its lock discipline), the lock program's events come in the order it
// takes its locks, and `--memory` shows both accesses of a race.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;
use wthreads::abi;
use wthreads_host::trace::{self, Event, Format, reader::Trace};

/// How long one traced program may run before the test calls it hung.
const DEADLINE: Duration = Duration::from_secs(300);

/// A fresh path for a test's trace file.
fn scratch(name: &str, ext: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("traces").join(HOST);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.{ext}"))
}

/// `trace MODULE --invoke NAME` plus `extra` on this file's host.
fn trace_run(module: &str, name: &str, extra: &[&str]) -> Output {
    let mut cmd = trace_command();
    cmd.args(["trace", module, "--invoke", name]).args(extra);
    wthreads_guest_tests::output_within(&mut cmd, DEADLINE, name)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Checks the raw trace at `path` against every invariant; returns how many events it has.
fn check_invariants(path: &Path, what: &str) -> usize {
    let trace = Trace::open(path).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(trace.complete, "{what}: the trace has no END mark");
    // (seq of spawn, start, exit) of each thread, and the seq of its join.
    let mut life: HashMap<u32, [Option<u64>; 4]> = HashMap::new();
    let mut held: HashMap<(i32, u32), i64> = HashMap::new();
    let mut last_ts: HashMap<i32, u64> = HashMap::new();
    let mut trapped: Vec<i32> = Vec::new();
    // Barrier waits and initialiser runs under way, and the messages sent, by channel.
    let mut waiting: HashMap<(i32, u32), i32> = HashMap::new();
    let mut sent: HashSet<(u32, u32)> = HashSet::new();
    // Acquires while another thread held the lock: (the holder, what happened).
    let mut clashes: Vec<(i32, String)> = Vec::new();
    // The (thread, lock) pairs held shared.
    let mut shared: HashSet<(i32, u32)> = HashSet::new();
    let mut count = 0;
    let (mut last_seq, mut last_event_seq) = (None, None);
    for (tid, e) in trace.merged() {
        count += 1;
        // Recorded accesses share the place of their thread's next event and atomic reads read
        // the order counter; events have a place of their own.
        assert!(last_seq.is_none_or(|s| s <= e.seq), "{what}: seq going back at {e:?}");
        if e.kind != abi::MEMORY_ACCESS && e.kind != abi::MEMORY_ATOMIC {
            assert!(last_event_seq.is_none_or(|s| s < e.seq), "{what}: two events at one seq: {e:?}");
            last_event_seq = Some(e.seq);
        }
        last_seq = Some(e.seq);
        let before = last_ts.insert(tid, e.ts_ns).unwrap_or(0);
        assert!(e.ts_ns >= before, "{what}: thread {tid}'s time goes back at {e:?}");
        if e.site != trace::NO_SITE {
            let site = trace.sites.get(e.site as usize).unwrap_or_else(|| panic!("{what}: no site {}", e.site));
            assert!(site.name.is_some(), "{what}: site {site:?} has no function name");
        }
        let me = tid.cast_unsigned();
        let mut mark = |t: u32, i: usize| {
            let slot = &mut life.entry(t).or_default()[i];
            assert!(slot.is_none(), "{what}: thread {t} has two {} events", ["spawn", "start", "exit", "join"][i]);
            *slot = Some(e.seq);
        };
        match e.kind & abi::EVENT_MASK {
            abi::THREAD_SPAWN => mark(e.a, 0),
            abi::THREAD_START => mark(me, 1),
            abi::THREAD_EXIT => {
                mark(me, 2);
                if e.a == abi::JOIN_TRAPPED.cast_unsigned() {
                    trapped.push(tid);
                }
            }
            abi::THREAD_JOIN => mark(e.a, 3),
            abi::BARRIER_WAIT | abi::ONCE_RUN => {
                let open = waiting.insert((tid, e.a), e.kind);
                assert!(open.is_none(), "{what}: thread {tid} enters {:#x} twice: {e:?}", e.a);
            }
            abi::BARRIER_PASSED | abi::ONCE_DONE => {
                let entered = if e.kind == abi::BARRIER_PASSED { abi::BARRIER_WAIT } else { abi::ONCE_RUN };
                assert_eq!(
                    waiting.remove(&(tid, e.a)),
                    Some(entered),
                    "{what}: thread {tid} leaves {:#x} unentered",
                    e.a
                );
            }
            abi::CHAN_SEND => assert!(sent.insert((e.a, e.b)), "{what}: message {} of {:#x} sent twice", e.b, e.a),
            abi::CHAN_RECV => {
                assert!(sent.contains(&(e.a, e.b)), "{what}: message {} of {:#x} received before it was sent", e.b, e.a)
            }
            abi::LOCK_ACQUIRED => {
                // Mutual exclusion, as the trace orders it: an exclusive acquire follows the
                // release of every other live holder (a dead one's locks are taken over).
                // A holder that died in a panic is marked dead before its exit is recorded, so
                // its lock may be taken over first: such clashes are judged at the end.
                let exclusive = e.kind & abi::LOCK_SHARED == 0;
                for ((t, _), _) in held.iter().filter(|((t, l), n)| *l == e.a && *t != tid && **n > 0) {
                    if !trapped.contains(t) && (exclusive || !shared.contains(&(*t, e.a))) {
                        clashes.push((*t, format!("thread {tid} acquired {:#x} while thread {t} held it: {e:?}", e.a)));
                    }
                }
                *held.entry((tid, e.a)).or_default() += 1;
                if exclusive {
                    shared.retain(|k| *k != (tid, e.a));
                } else {
                    shared.insert((tid, e.a));
                }
            }
            abi::LOCK_RELEASED => {
                let n = held.entry((tid, e.a)).or_default();
                *n -= 1;
                assert!(*n >= 0, "{what}: thread {tid} released {:#x}, which it did not hold: {e:?}", e.a);
            }
            _ => {}
        }
    }
    for (holder, clash) in &clashes {
        assert!(trapped.contains(holder), "{what}: {clash}, and thread {holder} did not die");
    }
    for (t, [spawn, start, exit, join]) in &life {
        let order = [spawn, start, exit, join];
        let present: Vec<u64> = order.iter().filter_map(|s| **s).collect();
        assert!(present.is_sorted(), "{what}: thread {t}'s spawn, start, exit, join out of order: {order:?}");
        if *t != abi::MAIN_THREAD_ID.cast_unsigned() {
            assert!(spawn.is_some() || start.is_none(), "{what}: thread {t} started but was never spawned");
        }
        assert!(join.is_none() || exit.is_some(), "{what}: thread {t} joined before it exited");
    }
    for ((tid, lock), n) in held {
        let ended = life.get(&tid.cast_unsigned()).and_then(|l| l[2]).is_some();
        assert!(
            n == 0 || trapped.contains(&tid) || !ended,
            "{what}: thread {tid} returned holding lock {lock:#x} ({n} times)"
        );
    }
    count
}

/// Checks that the Perfetto JSON of the raw trace at `path` parses and that its slices nest.
fn check_perfetto(path: &Path, what: &str) {
    let mut json = Vec::new();
    trace::convert(path, Format::Perfetto, &mut json, &mut std::io::sink()).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap_or_else(|e| panic!("{what}: bad JSON: {e}"));
    let events = v["traceEvents"].as_array().unwrap();
    let mut open: HashMap<i64, Vec<&str>> = HashMap::new();
    let mut asyncs: HashMap<i64, &str> = HashMap::new();
    for e in events {
        let (ph, name, tid) = (e["ph"].as_str().unwrap(), e["name"].as_str().unwrap(), e["tid"].as_i64().unwrap());
        match ph {
            "B" => open.entry(tid).or_default().push(name),
            "E" => {
                let top = open.entry(tid).or_default().pop();
                assert_eq!(
                    top,
                    Some(name),
                    "{what}: an `E` of {name} on thread {tid} does not close the innermost slice"
                );
            }
            "b" => assert!(asyncs.insert(e["id"].as_i64().unwrap(), name).is_none(), "{what}: async id reused"),
            "e" => assert_eq!(asyncs.remove(&e["id"].as_i64().unwrap()), Some(name), "{what}: unmatched async end"),
            "M" | "i" | "s" | "f" => {}
            other => panic!("{what}: unexpected phase {other}"),
        }
    }
    assert!(open.values().all(Vec::is_empty), "{what}: slices left open: {open:?}");
}

/// Whether `line` has RAPID's STD shape `T\d+\|(acq|rel|r|w|fork|join)\(\w+\)\|\d+`.
fn rapid_shape(line: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let mut parts = line.split('|');
    let (Some(thread), Some(op), Some(loc), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Some((name, decor)) = op.strip_suffix(')').and_then(|o| o.split_once('(')) else { return false };
    thread.strip_prefix('T').is_some_and(digits)
        && ["acq", "rel", "r", "w", "fork", "join"].contains(&name)
        && word(decor)
        && digits(loc)
}

/// Checks the RAPID lines of the raw trace at `path`: each has the STD shape with one of the
/// six ops, its location is in the side table, and the locks behave as RAPID's must (a lock is
/// acquired only when free and released by its holder).
fn check_rapid(path: &Path, what: &str) {
    let (mut lines, mut side) = (Vec::new(), Vec::new());
    trace::convert(path, Format::Rapid, &mut lines, &mut side).unwrap();
    let (lines, side) = (text(&lines), text(&side));
    let locations = side.lines().count();
    let mut holder: HashMap<&str, &str> = HashMap::new();
    for line in lines.lines() {
        assert!(rapid_shape(line), "{what}: not a RAPID STD line: {line}");
        let [thread, op, loc] = line.splitn(3, '|').collect::<Vec<_>>()[..] else { unreachable!() };
        assert!(loc.parse::<usize>().unwrap() < locations, "{what}: location {loc} is not in the side table");
        let (name, decor) = op.trim_end_matches(')').split_once('(').unwrap();
        match name {
            "acq" => {
                let other = holder.insert(decor, thread);
                assert!(other.is_none(), "{what}: {thread} acquires {decor}, held by {other:?}: {line}");
            }
            "rel" => {
                assert_eq!(holder.remove(decor), Some(thread), "{what}: {thread} releases {decor} it does not hold")
            }
            _ => {}
        }
    }
}

/// Traces program `name` of `module` and checks its trace.
fn traced(module: &str, name: &str) {
    let raw = scratch(name, "wtrace");
    let out = trace_run(module, name, &["--format", "raw", "-o", raw.to_str().unwrap()]);
    let code = out.status.code();
    assert!(code.is_some(), "{name}: killed by a signal\n{}", text(&out.stderr));
    let events = check_invariants(&raw, name);
    assert!(events > 0, "{name}: no events");
    check_perfetto(&raw, name);
    check_rapid(&raw, name);
    // Lock-order inversions need only the lock events: every program is clean but the two
    // that have one on purpose.
    let mut report = Vec::new();
    let inversions = trace::lockorder::check(&Trace::open(&raw).unwrap(), &mut report).unwrap();
    let expected = usize::from(["test_lock_order_inversion", "test_lock_order_rwlock_inversion"].contains(&name));
    assert_eq!(inversions.len(), expected, "{name}:\n{}", text(&report));
    std::fs::remove_file(&raw).ok();
}

macro_rules! trace_test {
    (programs, $name:ident) => {
        #[test]
        fn $name() {
            traced(wthreads_guest_tests::PROGRAMS, stringify!($name));
        }
    };
    ($suite:ident, $name:ident) => {};
}
wthreads_guest_tests::foreach_program!(trace_test);

/// The lock program's events, from the text format: its mutex, read and write locks in the
/// order it takes them, each with its flags, a waiting acquire as acquire-started, and the
/// allocator's lock marked internal.
#[test]
fn lock_events_come_in_program_order() {
    let out = trace_run(wthreads_guest_tests::PROGRAMS, "test_lock_events", &["--format", "text", "-o", "-"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // `TSus thread 1 EVENT ADDR [shared] [internal] at SITE`, as (event, address, flags).
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
    let events: Vec<(&str, u64, String)> = stdout
        .lines()
        .filter_map(|l| {
            let rest = l.split_once("us thread 1 ")?.1;
            let rest = rest.rsplit_once(" at ").map_or(rest, |(event, _site)| event);
            let mut parts = rest.splitn(3, ' ');
            let (event, addr) = (parts.next()?, parts.next()?);
            if !["acquire-started", "acquired", "released", "try-failed"].contains(&event) {
                return None;
            }
            Some((event, hex(addr), parts.next().unwrap_or("").to_string()))
        })
        .collect();
    let word = |what: &str, flags: &str| {
        let prefix = format!("{what} at ");
        let range = stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in:\n{stdout}"));
        let (start, end) = range.split_once("..").unwrap();
        let inside = hex(start)..hex(end);
        let first = events.iter().find(|e| e.0 == "acquired" && e.2 == flags && inside.contains(&e.1));
        first.unwrap_or_else(|| panic!("no acquired event inside the {what} ({range}) in:\n{stdout}")).1
    };
    let (mutex, rwlock) = (word("mutex", ""), word("rwlock", "shared"));
    // An acquire that does not wait is one event; the last one waits for the other thread.
    let expected = [
        ("acquired", mutex, ""),
        ("try-failed", mutex, ""),
        ("released", mutex, ""),
        ("acquired", rwlock, "shared"),
        ("try-failed", rwlock, ""),
        ("released", rwlock, "shared"),
        ("acquired", rwlock, ""),
        ("released", rwlock, ""),
        ("acquire-started", mutex, ""),
        ("acquired", mutex, ""),
        ("released", mutex, ""),
    ];
    let mut user = events.iter().filter(|e| e.2 != "internal");
    for (event, addr, flags) in expected {
        assert!(
            user.any(|e| e.0 == event && e.1 == addr && e.2 == flags),
            "missing {event} {addr:#x} {flags} (in this order) in:\n{stdout}"
        );
    }
    let internal = events.iter().filter(|e| e.0 == "acquired" && e.2 == "internal").count();
    assert!(internal > 0, "no event of the allocator's lock, marked internal, in:\n{stdout}");
    // Every lock event names the function it came from.
    for l in stdout.lines().filter(|l| l.contains(" acquired ")) {
        assert!(l.contains(" at ") && !l.ends_with(" at ?"), "no location: {l}");
    }
}

/// The trace run exits like `run`, prints what the program prints, and a module that cannot be
/// run gets the same message and status, and no trace.
#[test]
fn trace_runs_like_run() {
    let raw = scratch("like_run", "json");
    let out = trace_run(wthreads_guest_tests::PROGRAMS, "test_main_panics", &["-o", raw.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(wthreads_host::EXIT_TRAP), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("did not return"), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&raw).unwrap()).unwrap();
    assert!(json["traceEvents"].as_array().is_some_and(|a| a.len() > 1));
    let bad = scratch("not_wasm", "wasm");
    std::fs::write(&bad, b"not wasm").unwrap();
    let nothing = scratch("not_wasm", "json");
    std::fs::remove_file(&nothing).ok();
    let out = trace_run(bad.to_str().unwrap(), "main", &["-o", nothing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(wthreads_host::EXIT_MODULE));
    assert!(text(&out.stderr).contains("WebAssembly module"), "{}", text(&out.stderr));
    assert!(!nothing.exists(), "a module that did not run left a trace");
}

/// `--memory` on the racy program: the trace shows both threads reading and writing the
/// counter's word, in the raw trace and in the RAPID lines (`w(V<word>)` by both).
#[test]
fn racy_program_shows_both_conflicting_accesses() {
    let raw = scratch("racy", "wtrace");
    let out = trace_run(
        wthreads_guest_tests::PROGRAMS,
        "test_racy_counter",
        &["--memory", "--format", "raw", "-o", raw.to_str().unwrap()],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let counter = stdout.lines().find_map(|l| l.strip_prefix("counter at 0x")).expect("the program prints its counter");
    let counter = u32::from_str_radix(counter.trim(), 16).unwrap();
    let trace = Trace::open(&raw).unwrap();
    let mut writers = std::collections::BTreeSet::new();
    let mut readers = std::collections::BTreeSet::new();
    for (tid, e) in trace.merged() {
        if e.kind == abi::MEMORY_ACCESS && e.a == counter && e.b == 4 {
            let access = trace.site(e.site).and_then(|s| s.access).expect("an access has an access site");
            assert!(!access.atomic);
            if access.write {
                writers.insert(tid)
            } else {
                readers.insert(tid)
            };
        }
    }
    assert!(writers.len() == 2 && readers.len() == 2, "writers {writers:?}, readers {readers:?} of {counter:#x}");
    // The race detector finds the race on the counter between the two threads, and reports it.
    let mut report = Vec::new();
    let races = trace::race::check(&trace, &mut report).unwrap();
    let report = text(&report);
    let on_counter: Vec<_> = races.iter().filter(|r| r.later.addr == counter).collect();
    assert!(!on_counter.is_empty(), "no race on the counter {counter:#x}: {races:?}\n{report}");
    for r in on_counter {
        assert!(r.earlier.tid != r.later.tid && (r.earlier.write || r.later.write), "{r:?}");
        assert!(!r.earlier.atomic && !r.later.atomic && r.earlier.len == 4, "{r:?}");
    }
    assert!(report.starts_with("WARNING: data race\n  ") && report.contains("  Previous "), "{report}");
    assert!(report.contains("at 0x") && report.contains("by thread "), "{report}");
    check_invariants(&raw, "test_racy_counter --memory");
    let (mut lines, mut side) = (Vec::new(), Vec::new());
    trace::convert(&raw, Format::Rapid, &mut lines, &mut side).unwrap();
    let word = format!("w(V{:x})", counter / 4);
    let lines = text(&lines);
    let threads: std::collections::BTreeSet<&str> =
        lines.lines().filter(|l| l.contains(&word)).filter_map(|l| l.split('|').next()).collect();
    // Threads 2 and 3 (main wrote it too: the start function zeroes the static's memory).
    assert!(threads.contains("T2") && threads.contains("T3"), "RAPID writes of {word}: {threads:?}");
    check_rapid(&raw, "test_racy_counter --memory");
}

/// Records program `name` with `--memory` (it must return 0), checks the trace's invariants, and
/// returns the raw trace's path.
fn memory_trace(name: &str) -> PathBuf {
    let raw = scratch(&format!("{name}_memory"), "wtrace");
    let out =
        trace_run(wthreads_guest_tests::PROGRAMS, name, &["--memory", "--format", "raw", "-o", raw.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
    check_invariants(&raw, name);
    raw
}

/// Asserts that `check` finds nothing in `trace`, the memory trace of program `name`.
fn assert_clean(trace: &Trace, name: &str) {
    let mut report = Vec::new();
    let found = trace::check::check(trace, &mut report).unwrap();
    assert_eq!(found, trace::check::Findings::default(), "{name}:\n{}", text(&report));
}

/// `--memory` traces of programs that synchronise every way hold every invariant, and their
/// accesses all have access sites.
#[test]
fn memory_traces_hold_the_invariants() {
    for name in [
        "test_spawn_join_value",
        "test_condvar_producer_consumer",
        "test_rwlock_readers_share",
        "test_park_unpark",
        "test_channel_many_producers",
    ] {
        let raw = memory_trace(name);
        let trace = Trace::open(&raw).unwrap();
        let (mut plain, mut atomic, mut acquires) = (0, 0, 0);
        // The guest's atomics and the host's events share one order: a lock released (the event,
        // then the atomic write that releases it) comes before another thread's exclusive
        // acquire. (lock, releasing thread) whose release write is still to come:
        let mut releasing: HashSet<(u32, i32)> = HashSet::new();
        for (tid, e) in trace.merged() {
            match e.kind & abi::EVENT_MASK {
                abi::MEMORY_ACCESS => plain += 1,
                abi::MEMORY_ATOMIC => {
                    atomic += 1;
                    let write = trace.site(e.site).and_then(|s| s.access).is_some_and(|a| a.write);
                    if write {
                        releasing.remove(&(e.a, tid));
                    }
                }
                abi::LOCK_RELEASED => {
                    releasing.insert((e.a, tid));
                    continue;
                }
                abi::LOCK_ACQUIRED if e.kind & abi::LOCK_SHARED == 0 => {
                    let early = releasing.iter().find(|(lock, t)| *lock == e.a && *t != tid);
                    assert!(early.is_none(), "{name}: thread {tid} acquired {:#x} before {early:?} released it", e.a);
                    acquires += 1;
                    continue;
                }
                _ => continue,
            }
            assert!(trace.site(e.site).and_then(|s| s.access).is_some(), "{name}: an access without an access site");
        }
        assert!(plain > 1000 && atomic > 10, "{name}: {plain} plain and {atomic} atomic accesses");
        assert!(acquires > 0, "{name}: no lock acquired");
        // A program that synchronises correctly has no data race, the runtime's own hand-offs
        // (allocator blocks, stacks, the thread table) included.
        assert_clean(&trace, name);
        check_perfetto(&raw, name);
        check_rapid(&raw, name);
        std::fs::remove_file(&raw).ok();
    }
}

/// A thread that traps is called once more, in a fresh instance, to record its death
/// (docs/abi.md): what that call accessed belongs to the thread, before its end. (Left in the
/// fresh instance's buffer, it went to the next thread the instance ran, with the order of a
/// time before that thread began: the seq went back, and `check` saw a race that was not there.)
#[test]
fn memory_traces_of_threads_that_trap_hold_the_invariants() {
    for name in ["test_trap_in_thread", "test_scope_panics"] {
        let raw = memory_trace(name);
        let trace = Trace::open(&raw).unwrap();
        assert_clean(&trace, name);
        std::fs::remove_file(&raw).ok();
    }
}

/// The higher-level events: in the barrier program every worker passes each round once and
/// each round has one leader; in the channel program every message sent is received; the
/// `Once` program runs its initialiser once, and the threads that waited for it saw it end.
#[test]
fn barrier_channel_and_once_events() {
    let kinds = |name: &str| -> Vec<(i32, Event)> {
        let raw = scratch(&format!("{name}_high"), "wtrace");
        let out = trace_run(wthreads_guest_tests::PROGRAMS, name, &["--format", "raw", "-o", raw.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        Trace::open(&raw).unwrap().merged().collect()
    };
    let count =
        |events: &[(i32, Event)], kind: i32| events.iter().filter(|(_, e)| e.kind & abi::EVENT_MASK == kind).count();
    let barrier = kinds("test_barrier_rounds");
    let (waits, passes) = (count(&barrier, abi::BARRIER_WAIT), count(&barrier, abi::BARRIER_PASSED));
    assert!(waits > 0 && waits == passes, "{waits} barrier waits, {passes} passes");
    // Per barrier: each of its threads passes it as often, and each round has one leader.
    let mut per_barrier: std::collections::BTreeMap<u32, std::collections::BTreeMap<i32, usize>> = Default::default();
    for (t, e) in barrier.iter().filter(|(_, e)| e.kind == abi::BARRIER_PASSED) {
        *per_barrier.entry(e.a).or_default().entry(*t).or_default() += 1;
    }
    let mut leaders: std::collections::BTreeMap<u32, usize> = Default::default();
    for (_, e) in barrier.iter().filter(|(_, e)| e.kind == abi::BARRIER_PASSED && e.b == 1) {
        *leaders.entry(e.a).or_default() += 1;
    }
    for (b, threads) in &per_barrier {
        let rounds = *threads.values().next().unwrap();
        assert!(threads.values().all(|n| *n == rounds), "barrier {b:#x}: {threads:?}");
        assert_eq!(leaders.get(b), Some(&rounds), "barrier {b:#x}: {rounds} rounds");
    }
    let channel = kinds("test_channel_many_producers");
    let (sends, recvs) = (count(&channel, abi::CHAN_SEND), count(&channel, abi::CHAN_RECV));
    assert!(sends > 100 && sends == recvs, "{sends} sent, {recvs} received");
    let once = kinds("test_once_runs_once");
    assert!(count(&once, abi::ONCE_RUN) >= 1 && count(&once, abi::ONCE_RUN) == count(&once, abi::ONCE_DONE));
}
