//! Runs the guest programs as native code, on the process's main thread as a wasm host runs
//! them on the guest's: `native NAME` runs one (its return value is the exit status; a failed
//! assertion aborts), `native --list` prints the names, `native --all` runs every one (for Miri).

use std::process::ExitCode;
use wthreads_guest_programs::{NATIVE_PROGRAMS, Program};

fn run((name, program): &Program) -> u8 {
    let status = program();
    u8::try_from(status).unwrap_or_else(|_| panic!("{name} returned {status}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["--list"] => {
            for (name, _) in NATIVE_PROGRAMS {
                println!("{name}");
            }
            ExitCode::SUCCESS
        }
        ["--all"] => {
            for program in NATIVE_PROGRAMS {
                eprintln!("{} ...", program.0);
                let status = run(program);
                if status != 0 {
                    eprintln!("{} returned {status}", program.0);
                    return ExitCode::from(status);
                }
            }
            ExitCode::SUCCESS
        }
        [name] => match NATIVE_PROGRAMS.iter().find(|(n, _)| *n == name) {
            Some(program) => ExitCode::from(run(program)),
            None => {
                eprintln!("native: no program `{name}` runs natively (see `native --list`)");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("usage: native NAME | native --list | native --all");
            ExitCode::from(2)
        }
    }
}
