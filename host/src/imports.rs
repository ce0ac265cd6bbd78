//! The runtime API (`docs/abi.md`) as wasmtime host functions.
//!
//! Every function validates its arguments and answers bad ones with an `abi::ERR_*` code (or,
//! for `abort`, a trap of the calling thread); none of them can panic the host.

use crate::memory::GuestMemory;
use crate::runtime::{Ctx, GuestAbort, Spawn};
use std::io::Write;
use std::time::Duration;
use wasmtime::{Caller, Linker, WaitResult};
use wthreads::abi;

/// A function type as the runtime API's messages write it: `(i32, i32) -> (i32)`, as
/// [`abi::Signature`] displays the table's.
pub fn signature(ty: &wasmtime::FuncType) -> String {
    let list =
        |tys: &mut dyn Iterator<Item = wasmtime::ValType>| tys.map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
    format!("({}) -> ({})", list(&mut ty.params()), list(&mut ty.results()))
}

/// Checks that `linker` defines module `wthreads` exactly as the runtime API's table says
/// ([`abi::IMPORTS`]): every function, with its type, and nothing else. `store` only serves the
/// lookup.
///
/// # Errors
/// A message naming the function the host forgot, mistyped or has beyond the table.
pub fn check_definitions(linker: &Linker<Ctx>, store: &mut wasmtime::Store<Ctx>) -> Result<(), String> {
    for f in abi::IMPORTS {
        let defined = linker.get(&mut *store, abi::IMPORT_MODULE, f.name).ok().and_then(wasmtime::Extern::into_func);
        let Some(defined) = defined else {
            return Err(format!("the host does not define `wthreads.{}` of the runtime API table", f.name));
        };
        let found = signature(&defined.ty(&*store));
        if found != f.signature().to_string() {
            return Err(format!("the host defines `wthreads.{}` as {found}, the table as {}", f.name, f.signature()));
        }
    }
    let extra = linker
        .iter(&mut *store)
        .find(|(module, name, _)| *module == abi::IMPORT_MODULE && abi::find(abi::IMPORTS, name).is_none());
    match extra {
        Some((_, name, _)) => Err(format!("the host defines `wthreads.{name}`, which the runtime API table lacks")),
        None => Ok(()),
    }
}

fn code<T>(r: Result<T, i32>, ok: impl FnOnce(T) -> i32) -> i32 {
    r.map_or_else(|e| e, ok)
}

/// Defines every import of the `wthreads` module in `linker`.
///
/// # Errors
/// Only if wasmtime rejects a definition (a bug).
pub fn define(linker: &mut Linker<Ctx>) -> wasmtime::Result<()> {
    let m = abi::IMPORT_MODULE;
    linker.func_wrap(
        m,
        "thread_spawn",
        |c: Caller<'_, Ctx>,
         arg: i32,
         stack_top: i32,
         tls: i32,
         stack_limit: i32,
         exit_word: i32,
         name_ptr: i32,
         name_len: i32|
         -> i32 {
            let rt = &c.data().rt;
            let mem = GuestMemory::new(&rt.memory);
            if let Err(e) = mem.word(exit_word) {
                return e;
            }
            let name = match (name_ptr, name_len) {
                (0, 0) => None,
                _ => match mem.read(name_ptr, name_len) {
                    Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                    Err(e) => return e,
                },
            };
            let (parent, site) = (c.data().tid, c.data().site);
            rt.start_thread(Spawn {
                start_arg: arg,
                stack_top,
                tls_block: tls,
                stack_limit,
                exit_word,
                name,
                parent,
                site,
            })
        },
    )?;
    linker.func_wrap(
        m,
        "thread_join",
        |c: Caller<'_, Ctx>, tid: i32, msg_ptr: i32, msg_cap: i32, len_ptr: i32| -> i32 {
            let ctx = c.data();
            let mem = GuestMemory::new(&ctx.rt.memory);
            // Check the out-pointers before blocking, so a bad one cannot lose the outcome.
            if msg_cap < 0 {
                return abi::ERR_INVALID_ARGUMENT;
            }
            if let Err(e) = mem.check(msg_ptr, msg_cap).and_then(|()| mem.word(len_ptr)) {
                return e;
            }
            let joined = ctx.rt.threads.join(ctx.tid, tid);
            if let Ok(outcome) = &joined {
                let result = outcome.code().cast_unsigned();
                ctx.rt.trace(ctx.tid, abi::THREAD_JOIN, (tid.cast_unsigned(), result, 0), ctx.site, None);
            }
            code(joined, |outcome| match outcome {
                crate::threads::Outcome::Returned => abi::JOIN_RETURNED,
                crate::threads::Outcome::Trapped(msg) => {
                    let bytes = msg.as_bytes();
                    let n = bytes.len().min(usize::try_from(msg_cap).unwrap_or(0));
                    let full = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
                    let written = mem.write(msg_ptr, &bytes[..n]).and_then(|()| mem.word(len_ptr));
                    if let Ok(w) = written {
                        w.store(full, std::sync::atomic::Ordering::Relaxed);
                    }
                    abi::JOIN_TRAPPED
                }
            })
        },
    )?;
    linker.func_wrap(m, "thread_detach", |c: Caller<'_, Ctx>, tid: i32| -> i32 {
        let ctx = c.data();
        code(ctx.rt.threads.detach(tid), |()| {
            ctx.rt.trace(ctx.tid, abi::THREAD_DETACH, (tid.cast_unsigned(), 0, 0), ctx.site, None);
            0
        })
    })?;
    linker.func_wrap(m, "thread_yield", std::thread::yield_now)?;
    linker.func_wrap(m, "available_parallelism", || -> i32 {
        std::thread::available_parallelism().map_or(1, |n| i32::try_from(n.get()).unwrap_or(i32::MAX))
    })?;
    linker.func_wrap(m, "wait32", |c: Caller<'_, Ctx>, addr: i32, expected: i32, timeout_ns: i64| -> i32 {
        let rt = &c.data().rt;
        let addr = match GuestMemory::new(&rt.memory).futex_addr(addr) {
            Ok(a) => a,
            Err(e) => return e,
        };
        let timeout = u64::try_from(timeout_ns).ok().map(Duration::from_nanos);
        match rt.memory.atomic_wait32(addr, expected.cast_unsigned(), timeout) {
            Ok(WaitResult::Ok) => abi::WAIT_WOKEN,
            Ok(WaitResult::Mismatch) => abi::WAIT_NOT_EQUAL,
            Ok(WaitResult::TimedOut) => abi::WAIT_TIMED_OUT,
            Err(_) => abi::ERR_OUT_OF_BOUNDS,
        }
    })?;
    linker.func_wrap(m, "wake", |c: Caller<'_, Ctx>, addr: i32, count: i32| -> i32 {
        let rt = &c.data().rt;
        let addr = match GuestMemory::new(&rt.memory).futex_addr(addr) {
            Ok(a) => a,
            Err(e) => return e,
        };
        match rt.memory.atomic_notify(addr, count.cast_unsigned()) {
            Ok(n) => i32::try_from(n).unwrap_or(i32::MAX),
            Err(_) => abi::ERR_OUT_OF_BOUNDS,
        }
    })?;
    linker.func_wrap(m, "abort", |c: Caller<'_, Ctx>, ptr: i32, len: i32| -> wasmtime::Result<()> {
        let msg = match GuestMemory::new(&c.data().rt.memory).read(ptr, len) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => format!("aborted with an invalid UTF-8 message: {}", String::from_utf8_lossy(e.as_bytes())),
            },
            Err(e) => format!("aborted with an unreadable message ({})", abi::error_name(e)),
        };
        Err(GuestAbort(msg).into())
    })?;
    linker.func_wrap(m, "write", |c: Caller<'_, Ctx>, fd: i32, ptr: i32, len: i32| -> i32 {
        let bytes = match GuestMemory::new(&c.data().rt.memory).read(ptr, len) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let r = match fd {
            abi::FD_STDOUT => std::io::stdout().lock().write_all(&bytes),
            abi::FD_STDERR => std::io::stderr().lock().write_all(&bytes),
            _ => return abi::ERR_BAD_FD,
        };
        if r.is_err() { abi::ERR_BAD_FD } else { len }
    })?;
    linker.func_wrap(m, "clock_ns", |c: Caller<'_, Ctx>| -> i64 {
        i64::try_from(c.data().rt.epoch.elapsed().as_nanos()).unwrap_or(i64::MAX)
    })?;
    Ok(())
}
