//! The command lines behave as conventional ones do: `--help`, `help CMD` and `--version` on
//! stdout with status 0; `--opt=value` as well as `--opt value`; a usage error names the
//! argument, suggests the close one and exits with 2; `wthreads run` takes arguments of any
//! scalar type, one per parameter, and prints a result an exit status cannot carry. (The light
//! `wthreads-patch` binary: `threadify/tests/cli.rs`.)

use std::process::{Command, Output};
use wthreads_host::EXIT_MODULE;

fn wthreads(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wthreads")).args(args).output().expect("the wthreads binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `o` exited with `code`, and its stream (`stdout` or `stderr`) says `needle`.
fn expect(o: &Output, code: i32, needle: &str) {
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(code), "stdout: {out}\nstderr: {err}");
    assert!(out.contains(needle) || err.contains(needle), "neither stream says `{needle}`:\n{out}\n{err}");
}

#[test]
fn help_and_version_go_to_stdout_with_status_0() {
    let o = wthreads(&["--version"]);
    assert!(o.status.success() && text(&o.stdout).starts_with("wthreads "), "{}", text(&o.stdout));
    for cmd in
        [&["--help"][..], &["help"], &["help", "run"], &["run", "--help"], &["patch", "-h"], &["check", "--help"]]
    {
        let o = wthreads(cmd);
        assert!(o.status.success(), "{cmd:?}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains("Usage: wthreads"), "{cmd:?}: {}", text(&o.stdout));
    }
    let run = text(&wthreads(&["help", "run"]).stdout);
    assert!(run.contains("--max-threads <N>") && run.contains("--arg <VALUE>"), "{run}");
}

#[test]
fn options_take_their_value_after_an_equals_sign_or_a_space() {
    let programs = wthreads_guest_tests::PROGRAMS;
    // One thread besides main is too few for this program: the limit was taken in both forms.
    for form in [
        &["--invoke=test_nested_spawn", "--max-threads=1"][..],
        &["--invoke", "test_nested_spawn", "--max-threads", "1"],
    ] {
        let o = wthreads(&[&["run", programs][..], form].concat());
        expect(&o, wthreads_host::EXIT_TRAP, "thread limit reached");
    }
}

#[test]
fn usage_errors_name_the_argument_and_suggest_the_close_one() {
    let o = wthreads(&["run", "x.wasm", "--max-thread=4"]);
    expect(&o, EXIT_MODULE, "unexpected argument '--max-thread'");
    expect(&o, EXIT_MODULE, "a similar argument exists: '--max-threads'");
    expect(&wthreads(&["rnu"]), EXIT_MODULE, "unrecognized subcommand 'rnu'");
    expect(&wthreads(&["run", "x.wasm", "--max-threads", "lots"]), EXIT_MODULE, "invalid value 'lots'");
}

#[test]
fn run_takes_one_argument_per_parameter_of_its_type() {
    let programs = wthreads_guest_tests::PROGRAMS;
    // `calls_scale(x: i64, by: f64) -> f64`: the result is printed, the status is 0.
    let o = wthreads(&["run", programs, "--invoke", "calls_scale", "--arg", "-6000000000", "--arg=0.5"]);
    assert_eq!((o.status.code(), text(&o.stdout).as_str()), (Some(0), "-3000000000\n"), "{}", text(&o.stderr));
    // `calls_add(n: i32) -> i64` returns a wide type: printed, not cut to a status.
    let o = wthreads(&["run", programs, "--invoke", "calls_add", "--arg", "300"]);
    assert_eq!((o.status.code(), text(&o.stdout).as_str()), (Some(0), "300\n"), "{}", text(&o.stderr));
    // The wrong number of arguments, or one that is not of its parameter's type, runs nothing.
    let o = wthreads(&["run", programs, "--invoke", "calls_scale", "--arg", "1"]);
    expect(&o, EXIT_MODULE, "`calls_scale` takes 2 argument(s) (i64, f64) -> (f64), but 1 were given");
    let o = wthreads(&["run", programs, "--invoke", "calls_add"]);
    expect(&o, EXIT_MODULE, "`calls_add` takes 1 argument(s) (i32) -> (i64), but 0 were given");
    let o = wthreads(&["run", programs, "--invoke", "calls_add", "--arg", "abc"]);
    expect(&o, EXIT_MODULE, "argument 1 of `calls_add` must be an i32, not `abc`");
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
}
