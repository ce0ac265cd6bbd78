//! The runtime API (`docs/abi.md`) as wasmtime host functions.
//!
//! Every function validates its arguments and answers bad ones with an `abi::ERR_*` code (or,
//! for `abort`, a trap of the calling thread); none of them can panic the host.

use crate::ctx::WthreadsView;
use crate::memory::GuestMemory;
use crate::shared::{GuestAbort, Shared, Spawn};
use crate::trace::host::Blocked;
use crate::watch::{Deadlocked, Wait};
use std::time::Duration;
use wasmtime::{Caller, Linker};
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
pub(crate) fn check_definitions<T>(linker: &Linker<T>, store: &mut wasmtime::Store<T>) -> Result<(), String> {
    for f in abi::IMPORTS {
        let defined = linker.get(&mut *store, abi::IMPORT_MODULE, f.name).ok().and_then(wasmtime::Extern::into_func);
        let Some(defined) = defined else {
            return Err(format!(
                "the linker does not define `wthreads.{}` of the runtime API table: call `wthreads_host::add_to_linker` on it",
                f.name
            ));
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

/// How often a join asks whether the watchdog wants something of it (where it waits) or the
/// program is deadlocked.
const JOIN_PATIENCE: Duration = Duration::from_millis(50);

fn code<T>(r: Result<T, i32>, ok: impl FnOnce(T) -> i32) -> i32 {
    r.map_or_else(|e| e, ok)
}

/// Defines the runtime API (docs/abi.md), every import of module `wthreads`, in `linker`, beside
/// the embedder's own imports; the runtime's context is found in each store's data through
/// [`WthreadsView`].
///
/// # Errors
/// If `linker` defines one of these names already (and does not allow shadowing).
pub fn add_to_linker<T: WthreadsView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let m = abi::IMPORT_MODULE;
    linker.func_wrap(
        m,
        "thread_spawn",
        |mut c: Caller<'_, T>,
         arg: i32,
         stack_top: i32,
         tls: i32,
         stack_limit: i32,
         exit_word: i32,
         name_ptr: i32,
         name_len: i32|
         -> i32 {
            let ctx = c.data_mut().wthreads();
            let mem = GuestMemory::new(&ctx.rt.memory);
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
            let (parent, site) = (ctx.tid, ctx.site);
            std::sync::Arc::clone(&ctx.spawner).start_thread(Spawn {
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
        |mut c: Caller<'_, T>, tid: i32, msg_ptr: i32, msg_cap: i32, len_ptr: i32| -> wasmtime::Result<i32> {
            let ctx = c.data_mut().wthreads();
            let mem = GuestMemory::new(&ctx.rt.memory);
            // Check the out-pointers before blocking, so a bad one cannot lose the outcome.
            if msg_cap < 0 {
                return Ok(abi::ERR_INVALID_ARGUMENT);
            }
            if let Err(e) = mem.check(msg_ptr, msg_cap).and_then(|()| mem.word(len_ptr)) {
                return Ok(e);
            }
            let slot = ctx.slot.clone();
            let thread = thread_pointer(&mut c);
            let watched = slot.as_ref().map(|s| s.enter(&Wait::Join { tid, thread }));
            let blocked = Blocked::new(&mut c);
            let ctx = c.data_mut().wthreads();
            let (rt, me) = (std::sync::Arc::clone(&ctx.rt), ctx.tid);
            let joined = rt.threads.join(me, tid, JOIN_PATIENCE, || {
                if let Some(slot) = slot.as_ref().filter(|s| s.frames_wanted()) {
                    slot.set_frames(Wait::Join { tid, thread }, frames(&mut c));
                }
                rt.watch.deadlock().is_none()
            });
            drop((blocked, watched));
            let ctx = c.data_mut().wthreads();
            if ctx.rt.watch.deadlock().is_some() {
                return Err(Deadlocked.into());
            }
            if let Ok(outcome) = &joined {
                let result = outcome.code().cast_unsigned();
                ctx.rt.trace(ctx.tid, abi::THREAD_JOIN, (tid.cast_unsigned(), result, 0), ctx.site, None);
                let (by, trapped) = (ctx.tid, result.cast_signed() == abi::JOIN_TRAPPED);
                ctx.rt.emit(|| crate::events::Event::Join { tid, by, trapped });
            }
            let mem = GuestMemory::new(&ctx.rt.memory);
            Ok(code(joined, |outcome| match outcome {
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
            }))
        },
    )?;
    linker.func_wrap(m, "thread_detach", |mut c: Caller<'_, T>, tid: i32| -> i32 {
        let ctx = c.data_mut().wthreads();
        code(ctx.rt.threads.detach(tid), |()| {
            ctx.rt.trace(ctx.tid, abi::THREAD_DETACH, (tid.cast_unsigned(), 0, 0), ctx.site, None);
            0
        })
    })?;
    linker.func_wrap(m, "thread_yield", std::thread::yield_now)?;
    linker.func_wrap(m, "available_parallelism", || -> i32 {
        std::thread::available_parallelism().map_or(1, |n| i32::try_from(n.get()).unwrap_or(i32::MAX))
    })?;
    linker.func_wrap(m, "wait32", |mut c: Caller<'_, T>, addr: i32, expected: i32, timeout_ns: i64| {
        if timeout_ns < 0 {
            // A module patched with `--host-wait`: its waits without timeout are watched too.
            return wait_watched(c, addr, expected, abi::NO_WAIT_CONTEXT, 0, 0);
        }
        let timeout = u64::try_from(timeout_ns).ok().map(Duration::from_nanos);
        let _blocked = Blocked::new(&mut c);
        Ok(c.data_mut().wthreads().rt.futex.wait(addr, expected.cast_unsigned(), timeout))
    })?;
    linker.func_wrap(m, abi::WAIT_WATCHED, wait_watched::<T>)?;
    linker.func_wrap(m, "wake", |mut c: Caller<'_, T>, addr: i32, count: i32| -> i32 {
        c.data_mut().wthreads().rt.futex.wake(addr, count.cast_unsigned())
    })?;
    linker.func_wrap(m, "abort", |mut c: Caller<'_, T>, ptr: i32, len: i32| -> wasmtime::Result<()> {
        let msg = match GuestMemory::new(&c.data_mut().wthreads().rt.memory).read(ptr, len) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => format!("aborted with an invalid UTF-8 message: {}", String::from_utf8_lossy(e.as_bytes())),
            },
            Err(e) => format!("aborted with an unreadable message ({})", abi::error_name(e)),
        };
        Err(GuestAbort(msg).into())
    })?;
    linker.func_wrap(m, "write", |mut c: Caller<'_, T>, fd: i32, ptr: i32, len: i32| -> i32 {
        let rt = &c.data_mut().wthreads().rt;
        let bytes = match GuestMemory::new(&rt.memory).read(ptr, len) {
            Ok(b) => b,
            Err(e) => return e,
        };
        code(rt.sinks.write(fd, &bytes), |()| len)
    })?;
    linker.func_wrap(m, "clock_ns", |mut c: Caller<'_, T>| -> i64 {
        i64::try_from(c.data_mut().wthreads().rt.epoch.elapsed().as_nanos()).unwrap_or(i64::MAX)
    })?;
    Ok(())
}

/// `wait_watched(addr, expected, what, what_addr, thread)`: `wait32` with no timeout, noted in the
/// thread's slot for the deadlock watchdog. A thread the watchdog wakes to learn where it waits
/// captures the functions it is in and returns `WAIT_WOKEN` (a spurious wake, which the guest's
/// loops expect). Once the program is deadlocked, every wait ends its thread.
fn wait_watched<T: WthreadsView>(
    mut c: Caller<'_, T>,
    addr: i32,
    expected: i32,
    what: i32,
    what_addr: i32,
    thread: i32,
) -> wasmtime::Result<i32> {
    // Borrowed, not cloned: an `Arc` clone of the runtime would be a contended atomic on every
    // wait of every thread.
    let word = match GuestMemory::new(&c.data_mut().wthreads().rt.memory).word(addr) {
        Ok(w) => w,
        Err(e) => return Ok(e),
    };
    // A word that changed already (most waits of a contended lock) needs no record.
    if word.load(std::sync::atomic::Ordering::SeqCst) != expected.cast_unsigned() {
        return Ok(abi::WAIT_NOT_EQUAL);
    }
    // A traced thread that blocks writes out what it recorded first: it may stay blocked until
    // the run ends, and its accesses and releases before the wait order what others do after.
    let blocked = Blocked::new(&mut c);
    let ctx = c.data_mut().wthreads();
    let rt = &ctx.rt;
    let (what, what_addr) = ctx.wait_context.filter(|_| what == abi::NO_WAIT_CONTEXT).unwrap_or((what, what_addr));
    let wait = Wait::Futex {
        addr: addr.cast_unsigned(),
        expected: expected.cast_unsigned(),
        what,
        what_addr: what_addr.cast_unsigned(),
        thread: thread.cast_unsigned(),
    };
    let wait_on = |rt: &Shared| rt.futex.wait(addr, expected.cast_unsigned(), None);
    let Some(slot) = ctx.slot.as_ref() else { return Ok(wait_on(rt)) };
    let waiting = slot.enter(&wait);
    let r = rt.watch.deadlock().is_none().then(|| wait_on(rt));
    drop((blocked, waiting));
    let Some(r) = r.filter(|_| rt.watch.deadlock().is_none()) else { return Err(Deadlocked.into()) };
    // The watchdog woke this thread to learn where it waits (it waits again at once).
    if slot.frames_wanted() {
        let frames = frames(&mut c);
        if let Some(slot) = &c.data_mut().wthreads().slot {
            slot.set_frames(wait, frames);
        }
    }
    Ok(r)
}

/// The functions the calling thread is in, innermost first, as `name+0xOFFSET`.
fn frames<T>(c: &mut Caller<'_, T>) -> Vec<String> {
    let trace = wasmtime::WasmBacktrace::capture(&*c);
    trace
        .frames()
        .iter()
        .map(|f| {
            let name = f
                .func_name()
                .map_or_else(|| format!("function {}", f.func_index()), wthreads_threadify::trace::demangle);
            match f.func_offset() {
                Some(off) => format!("{name}+{off:#x}"),
                None => name,
            }
        })
        .collect()
}

/// The calling instance's thread pointer (threadify's exported global), 0 if it has none.
fn thread_pointer<T>(c: &mut Caller<'_, T>) -> u32 {
    let global = c.get_export(wthreads_threadify::conventions::SELF_GLOBAL).and_then(wasmtime::Extern::into_global);
    global.and_then(|g| g.get(&mut *c).i32()).map_or(0, i32::cast_unsigned)
}
