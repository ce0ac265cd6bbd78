// A worker of the web runtime: runs the program's entry (role "main") or, in the pool, one
// guest thread after another in one instance of the module over the shared memory (threadify's
// `wthreads_thread_start` resets the instance's per-thread state; an instance that trapped is
// replaced by a fresh one).
import * as abi from './abi.mjs';
import { glueFunction, instantiateGlue } from './bindgen.mjs';
import { Control, S_START_ARG, S_STACK_TOP, S_TLS, S_STACK_LIMIT, S_EXIT_WORD, S_TID, S_PARENT } from './control.mjs';
import { NO_SITE, Recorder, drain, traceImports } from './trace/recorder.mjs';
import { Presence } from './trace/presence.mjs';
import { FUTEX, JOIN, WatchTable } from './watch.mjs';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
// Node's modules are taken without a top-level await (and without an import a bundler would try
// to resolve for a browser): a bundler may build the worker as a classic script (Vite's default).
const port = isNode ? process.getBuiltinModule('node:worker_threads').parentPort : globalThis;
/**
 * Messages the engine failed to post for want of stack, oldest first, posted again before the
 * next one. A thread that runs out of its engine stack inside an import can make `postMessage`
 * throw a RangeError; the message holds an output seq that the page waits for, so it must
 * still arrive. (The thread ends in a trap anyway, at its next call, and the report of that trap
 * is posted with a stack to spare.) Any other failure is a message that can never be sent: it
 * is dropped and thrown, so that it fails the worker rather than hold back every later one.
 */
const unsent = [];
function post(message) {
  unsent.push(message);
  while (unsent.length > 0) {
    try {
      port.postMessage(unsent[0]);
    } catch (e) {
      if (e instanceof RangeError) return;
      unsent.shift();
      throw e;
    }
    unsent.shift();
  }
}
const clockNs = isNode
  ? () => process.hrtime.bigint()
  : () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
const parallelism = isNode ? process.getBuiltinModule('node:os').availableParallelism() : navigator.hardwareConcurrency || 1;

/** Thrown by the `abort` import: ends the calling thread with its message. */
class GuestAbort extends Error {}

/** Thrown by a wait once the watchdog found the program deadlocked: ends the thread. */
class Deadlocked extends Error {}

/** How often a join asks whether the watchdog wants something of it. */
const JOIN_PATIENCE_MS = 50;

/** The wasm functions the calling thread is in, innermost first, as the engine names them. */
function frames() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  // V8: "    at NAME (wasm://wasm/ID:wasm-function[N]:0xOFF)"; Firefox: "NAME@wasm://…".
  return stack
    .split('\n')
    .map((l) => /^\s*at (\S+) \(wasm:/.exec(l)?.[1] ?? /^(\S+)@.*wasm-function/.exec(l)?.[1])
    .filter(Boolean)
    .join('\n');
}

const decoder = new TextDecoder('utf-8', { fatal: true });

// Every message comes to one listener: the first sets the worker up; the main worker then
// takes its commands (`call`, `close`), while a pool worker never returns to its event loop.
let dispatch = null;
if (isNode) port.on('message', (m) => dispatch(m));
else globalThis.onmessage = (e) => dispatch(e.data);

dispatch = (init) => {
  const ctl = new Control(init.control);
  init.watchTable = new WatchTable(init.watch);
  // A traced run's chunks take their place in the output order, so the run ends after the last.
  if (init.trace) {
    const send = (bytes, record) => post({ kind: 'trace', seq: ctl.nextOutputSeq(), bytes, record });
    const presence = init.trace.presence ? new Presence(init.trace.presence) : null;
    init.recorder = new Recorder(init.trace.state, send, clockNs, presence);
  }
  checkTable(imports(init, ctl, { tid: 0, name: '' }).wthreads);
  if (init.role !== 'main') {
    post({ kind: 'ready' });
    return pool(init, ctl);
  }
  // The page sends its first command once it heard `started`; one sent before waits.
  const early = [];
  dispatch = (command) => early.push(command);
  startMain(init, ctl).then((main) => {
    serveMain(init, ctl, main);
    for (const command of early) dispatch(command);
  });
};

/** The main worker, started: answers `started`, then takes the page's commands. */
function serveMain(init, ctl, main) {
  post({ kind: 'started', error: main.error, outputs: ctl.outputSeq() });
  if (main.error) return;
  dispatch = (command) => {
    if (command.kind === 'call') {
      const result = callMain(init, ctl, main, command.name, command.args);
      try {
        post({ kind: 'result', id: command.id, ...result, outputs: ctl.outputSeq() });
      } catch (e) {
        // What a glue function returned may be what no message can carry (a class's object).
        const refused = `what \`${command.name}\` returned cannot be sent to the page: ${e.message}`;
        post({ kind: 'result', id: command.id, refused, outputs: ctl.outputSeq() });
      }
    } else if (command.kind === 'close') {
      if (init.recorder) {
        init.recorder.runs(main.me.tid);
        traceExit(init.recorder, main.me, { trapped: false }, 0);
      }
      post({ kind: 'closed', outputs: ctl.outputSeq() });
    }
  };
}

/**
 * Checks that this runtime defines module `wthreads` as the runtime API's table says
 * (`abi.IMPORTS`, which a test holds to `wthreads::abi::IMPORTS`): every function, with its
 * number of parameters, and nothing else. A drift fails every run with a message naming it.
 */
function checkTable(defined) {
  for (const [name, type] of Object.entries(abi.IMPORTS)) {
    const params = abi.paramCount(type);
    if (typeof defined[name] !== 'function') {
      throw new Error(`the web runtime does not define \`wthreads.${name}\` of the runtime API table`);
    }
    if (defined[name].length !== params) {
      throw new Error(`the web runtime defines \`wthreads.${name}\` with ${defined[name].length} parameters, the table as ${type}`);
    }
  }
  for (const name of Object.keys(defined)) {
    if (!(name in abi.IMPORTS)) throw new Error(`the web runtime defines \`wthreads.${name}\`, which the runtime API table lacks`);
  }
}

/** The imports of one instance, for the thread `me` ({tid, name}). */
function imports(init, ctl, me) {
  const memory = init.memory;
  let u8 = new Uint8Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  const view = () => {
    if (u8.length !== memory.buffer.byteLength) {
      u8 = new Uint8Array(memory.buffer);
      i32 = new Int32Array(memory.buffer);
    }
  };
  // 0 if [ptr, ptr+len) is inside the memory, else an error code.
  const range = (ptr, len) => {
    if (len < 0) return abi.ERR_INVALID_ARGUMENT;
    view();
    if ((ptr >>> 0) + len <= u8.length) return 0;
    refresh(memory);
    view();
    return (ptr >>> 0) + len > u8.length ? abi.ERR_OUT_OF_BOUNDS : 0;
  };
  const word = (addr) => {
    if ((addr >>> 0) % 4 !== 0) return abi.ERR_MISALIGNED;
    return range(addr, 4);
  };
  const text = (ptr, len) => decoder.decode(u8.slice(ptr >>> 0, (ptr >>> 0) + len));
  const emit = (fd, bytes) => post({ kind: 'write', seq: ctl.nextOutputSeq(), fd, bytes });
  const rec = init.recorder;
  // A traced thread that blocks sends what it recorded first (its accesses, then its items): it
  // may stay blocked until the run ends, and what it did before the wait orders what others do
  // after. It calls `rec.runs(me.tid)` once it no longer blocks.
  const blocks = () => {
    if (!rec) return;
    drain(rec, me);
    rec.blocks(me.tid);
  };
  // `wait32` with no timeout, noted in the thread's record for the deadlock watchdog; a thread the
  // watchdog wakes to learn where it waits notes the functions it is in, and returns as woken.
  const waitWatched = (addr, expected, what, whatAddr, thread) => {
    const bad = word(addr);
    if (bad) return bad;
    if (what === abi.NO_WAIT_CONTEXT && me.waitContext) [what, whatAddr] = me.waitContext;
    // A word that changed already (most waits of a contended lock) needs no record.
    if (Atomics.load(i32, (addr >>> 0) / 4) !== expected) return abi.WAIT_NOT_EQUAL;
    blocks();
    const watch = init.watchTable;
    watch.enter(me.record, FUTEX, addr, expected, what, whatAddr, thread);
    const r = watch.deadlocked() ? 'ok' : Atomics.wait(i32, (addr >>> 0) / 4, expected);
    rec?.runs(me.tid);
    watch.leave(me.record);
    if (watch.deadlocked()) throw new Deadlocked();
    if (watch.framesWanted(me.record)) watch.setFrames(me.record, frames());
    return r === 'not-equal' ? abi.WAIT_NOT_EQUAL : abi.WAIT_WOKEN;
  };
  me.site ??= NO_SITE;
  const traced = rec ? { [abi.TRACE_MODULE]: traceImports(rec, me) } : {};
  return {
    ...traced,
    env: { memory },
    wthreads: {
      thread_spawn(startArg, stackTop, tls, stackLimit, exitWord, namePtr, nameLen) {
        const bad = word(exitWord) || range(namePtr, nameLen);
        if (bad) return bad;
        let name = '';
        try {
          name = text(namePtr, nameLen);
        } catch {
          return abi.ERR_INVALID_ARGUMENT;
        }
        const slot = ctl.allocate();
        if (slot < 0) return abi.ERR_THREAD_LIMIT;
        ctl.set(slot, S_START_ARG, startArg);
        ctl.set(slot, S_STACK_TOP, stackTop);
        ctl.set(slot, S_TLS, tls);
        ctl.set(slot, S_STACK_LIMIT, stackLimit);
        ctl.set(slot, S_EXIT_WORD, exitWord);
        ctl.setName(slot, name);
        const tid = ctl.get(slot, S_TID);
        if (rec) {
          // The start event names the parent; the spawn is recorded before the thread can
          // start. A stack limit of 0 says nothing of the stack's size.
          ctl.set(slot, S_PARENT, me.tid);
          const stack = stackLimit === 0 ? 0 : (stackTop - stackLimit) >>> 0;
          rec.event(me.tid, abi.THREAD_SPAWN, tid, stack, 0n, me.site, name);
        }
        // The event takes its place in the output order before the thread can run and exit.
        const seq = init.events ? ctl.nextOutputSeq() : -1;
        if (ctl.queue(slot)) post({ kind: 'grow' });
        if (init.events) post({ kind: 'event', seq, event: 'spawn', tid, name: name || null, by: me.tid });
        return tid;
      },
      thread_join(tid, msgPtr, msgCap, lenPtr) {
        const bad = range(msgPtr, msgCap) || word(lenPtr);
        if (bad) return bad;
        if (tid === me.tid) return abi.ERR_JOIN_SELF;
        const watch = init.watchTable;
        blocks();
        watch.enter(me.record, JOIN, tid, 0, abi.NO_WAIT_CONTEXT, 0, me.instance?.exports.wthreads_self?.value ?? 0);
        const r = ctl.join(tid, JOIN_PATIENCE_MS, () => {
          if (watch.framesWanted(me.record)) watch.setFrames(me.record, frames());
          return !watch.deadlocked();
        });
        rec?.runs(me.tid);
        watch.leave(me.record);
        if (watch.deadlocked()) throw new Deadlocked();
        if (typeof r === 'number') return r;
        const code = r.trapped ? abi.JOIN_TRAPPED : abi.JOIN_RETURNED;
        rec?.event(me.tid, abi.THREAD_JOIN, tid, code, 0n, me.site);
        if (init.events) post({ kind: 'event', seq: ctl.nextOutputSeq(), event: 'join', tid, by: me.tid, trapped: r.trapped });
        if (!r.trapped) return abi.JOIN_RETURNED;
        const bytes = new TextEncoder().encode(r.message);
        view();
        u8.set(bytes.subarray(0, msgCap), msgPtr >>> 0);
        Atomics.store(i32, (lenPtr >>> 0) / 4, bytes.length);
        return abi.JOIN_TRAPPED;
      },
      thread_detach(tid) {
        const r = ctl.detach(tid);
        if (r === 0) rec?.event(me.tid, abi.THREAD_DETACH, tid, 0, 0n, me.site);
        return r;
      },
      thread_yield() {},
      available_parallelism() {
        return parallelism;
      },
      wait32(addr, expected, timeoutNs) {
        // A module patched with `--host-wait`: its waits without timeout are watched too.
        if (timeoutNs < 0n) return waitWatched(addr, expected, abi.NO_WAIT_CONTEXT, 0, 0);
        const bad = word(addr);
        if (bad) return bad;
        const ms = timeoutNs < 0n ? Infinity : Number(timeoutNs) / 1e6;
        blocks();
        const r = Atomics.wait(i32, (addr >>> 0) / 4, expected, ms);
        rec?.runs(me.tid);
        return r === 'ok' ? abi.WAIT_WOKEN : r === 'not-equal' ? abi.WAIT_NOT_EQUAL : abi.WAIT_TIMED_OUT;
      },
      wait_watched: waitWatched,
      wake(addr, count) {
        const bad = word(addr);
        if (bad) return bad;
        const n = count >>> 0;
        return Atomics.notify(i32, (addr >>> 0) / 4, n === abi.WAKE_ALL ? Infinity : n);
      },
      abort(ptr, len) {
        // The native host's messages, word for word.
        let msg;
        const bad = range(ptr, len);
        if (bad) msg = `aborted with an unreadable message (${abi.errorName(bad)})`;
        else {
          try {
            msg = text(ptr, len);
          } catch {
            const lossy = new TextDecoder().decode(u8.slice(ptr >>> 0, (ptr >>> 0) + len));
            msg = `aborted with an invalid UTF-8 message: ${lossy}`;
          }
        }
        throw new GuestAbort(msg);
      },
      write(fd, ptr, len) {
        const bad = range(ptr, len);
        if (bad) return bad;
        if (fd !== abi.FD_STDOUT && fd !== abi.FD_STDERR) return abi.ERR_BAD_FD;
        emit(fd, u8.slice(ptr >>> 0, (ptr >>> 0) + len));
        return len;
      },
      clock_ns() {
        return clockNs();
      },
    },
    emit,
  };
}

/**
 * Brings this worker's view of the shared memory up to date. Another worker's `memory.grow`
 * reaches this one only later (V8 updates other threads asynchronously); `grow(0)` updates it
 * now. Needed before a new instance starts on memory another thread may have grown, and
 * before JavaScript touches an address beyond the size this worker knows.
 */
function refresh(memory) {
  memory.grow(0);
}

/** How a thread that threw `e` ended: `{trapped, message}`. */
function ended(e) {
  if (e instanceof GuestAbort) return { trapped: true, message: e.message };
  if (e instanceof Deadlocked) return { trapped: true, deadlocked: true, message: 'ended: the program is deadlocked' };
  return { trapped: true, message: `trapped: ${e instanceof Error ? e.message : String(e)}` };
}

/** Runs `call` and describes how it ended: `{trapped, value}` or `{trapped, message}`. */
function guard(call) {
  try {
    return { trapped: false, value: call() };
  } catch (e) {
    return ended(e);
  }
}

/** `guard` for an async `call`. */
async function guarded(call) {
  try {
    return { trapped: false, value: await call() };
  } catch (e) {
    return ended(e);
  }
}

/**
 * A new instance of the module over the imports `imp`: `{ exports }`, and `glue` for a module
 * made by wasm-bindgen, whose glue instantiates it (a glue of its own per instance).
 */
async function instantiate(init, imp) {
  if (!init.bindgen) return new WebAssembly.Instance(init.module, imp);
  return instantiateGlue(init.bindgen, init.module, init.memory, imp.wthreads);
}

function who(tid, name) {
  return name ? `thread ${tid} '${name}'` : `thread ${tid}`;
}

function report(emit, tid, name, message) {
  emit(abi.FD_STDERR, new TextEncoder().encode(`${who(tid, name)} ${message}\n`));
}

/**
 * Instantiates the module for the main thread and checks what the host calls; resolves to the
 * main thread's state (`{me, imp, instance, glue}`) or `{error}`. The main thread is live from then
 * on: idle between calls, it can still wake any thread, so it is never blocked for the
 * deadlock watch; for a check, it waits (blocks) with everything it sent handled.
 */
async function startMain(init, ctl) {
  const me = { tid: abi.MAIN_THREAD_ID, name: 'main', record: init.watchTable.main };
  init.recorder?.thread(me.record, me.tid);
  const imp = imports(init, ctl, me);
  let instance;
  try {
    instance = await instantiate(init, imp);
  } catch (e) {
    // Nothing was invoked yet: a trap of the start function means the module cannot be run.
    const trapped = e instanceof GuestAbort || e instanceof WebAssembly.RuntimeError;
    return { error: `cannot instantiate the module: ${trapped ? 'its start function trapped: ' : ''}${e.message}` };
  }
  let version;
  try {
    version = instance.exports.wthreads_abi_version();
  } catch (e) {
    return { error: `\`wthreads_abi_version\` trapped: ${e.message}` };
  }
  if (version !== abi.ABI_VERSION) {
    return { error: `module was built for wthreads runtime API v${version}, but this host implements v${abi.ABI_VERSION}` };
  }
  // The exports a host calls, checked once the version is this host's (as the native host does).
  for (const [name, type] of Object.entries(abi.EXPORTS)) {
    const params = abi.paramCount(type);
    if (typeof instance.exports[name] !== 'function' || instance.exports[name].length !== params) {
      return { error: `export \`${name}\` is not a function of type ${type}, as runtime API v${abi.ABI_VERSION} defines it` };
    }
  }
  me.instance = instance;
  const rec = init.recorder;
  if (rec) {
    // What instantiating accessed (the start function's initialisation) precedes the thread's events.
    drain(rec, me);
    const global = (name) => (instance.exports[name]?.value ?? 0) >>> 0;
    rec.event(me.tid, abi.MEMORY_LAYOUT, global(abi.EXPORT_STACK_POINTER), global(abi.EXPORT_DATA_END), 0n, NO_SITE);
    rec.event(me.tid, abi.THREAD_START, 0, 0, 0n, NO_SITE);
    rec.blocks(me.tid);
  }
  init.watchTable.setMainLive(true);
  return { me, imp, instance, glue: instance.glue };
}

/**
 * Calls export `name` (the glue's function of that name, if the module has a glue) on the main
 * thread with `args` (undefined: none, or (0, 0) for a C-style `main(argc, argv)`). Describes how it ended: `{value, elapsedMs}`, `{trapped, message}`
 * (the program's end: its main thread trapped or was ended by a deadlock), or `{refused}` (a
 * call that cannot be made, nothing run).
 */
function callMain(init, ctl, { me, imp, instance, glue }, name, given) {
  // A module made by wasm-bindgen is called through its glue, which takes and gives JavaScript values.
  const f = glueFunction(glue, name) ?? instance.exports[name];
  if (typeof f !== 'function') {
    return { refused: name in instance.exports ? `export \`${name}\` is not a function` : `the module does not export \`${name}\`` };
  }
  const args = given ?? (f.length === 2 ? [0, 0] : []);
  if (args.length !== f.length) return { refused: `\`${name}\` takes ${f.length} arguments, ${args.length} given` };
  const rec = init.recorder;
  rec?.runs(me.tid);
  const start = performance.now();
  const r = guard(() => f(...args));
  const elapsedMs = performance.now() - start;
  if (r.trapped) {
    init.watchTable.setMainLive(false);
    if (rec) traceExit(rec, me, r, 0);
    if (r.deadlocked) return { trapped: true, deadlocked: true, message: r.message };
    report(imp.emit, me.tid, me.name, r.message);
    post({ kind: 'abort', seq: ctl.nextOutputSeq(), tid: me.tid, name: me.name, message: r.message });
    return { trapped: true, message: r.message };
  }
  if (rec) {
    drain(rec, me);
    rec.blocks(me.tid);
  }
  return { trapped: false, value: r.value, elapsedMs };
}

/**
 * Tells the deadlock watch the owner value of the thread that just trapped in `me.instance`,
 * found at its thread pointer, so that the watchdog wakes the waiters of its mutexes.
 */
function noteDeath(init, me) {
  const pointer = (me.instance?.exports.wthreads_self?.value ?? 0) >>> 0;
  refresh(init.memory);
  const words = new Int32Array(init.memory.buffer);
  const at = pointer + abi.OWNER_AT_THREAD_POINTER;
  if (pointer !== 0 && at % 4 === 0 && at + 4 <= words.byteLength) init.watchTable.died(Atomics.load(words, at / 4));
}

/** The arguments of `wthreads_thread_start` for the thread in `slot`. */
function startArgs(ctl, slot) {
  return [ctl.get(slot, S_START_ARG), ctl.get(slot, S_STACK_TOP), ctl.get(slot, S_TLS), ctl.get(slot, S_STACK_LIMIT)];
}

/**
 * Records the end of thread `me` (how `r` says it ended), after the accesses before it, and
 * sends its items: before its joiner can see the end. `exitWord` is the word stored next (0 for
 * the main thread).
 */
function traceExit(rec, me, r, exitWord) {
  drain(rec, me);
  const code = r.trapped ? abi.JOIN_TRAPPED : abi.JOIN_RETURNED;
  rec.event(me.tid, abi.THREAD_EXIT, code, exitWord, 0n, NO_SITE, r.trapped ? r.message : undefined);
  rec.flush();
}

async function pool(init, ctl) {
  // The imports read the running thread from `me`, so one instance serves thread after thread.
  const me = { tid: 0, name: '' };
  const rec = init.recorder;
  const imp = imports(init, ctl, me);
  let instance = null;
  for (;;) {
    const { slot, short } = ctl.take();
    if (short) post({ kind: 'grow' });
    me.tid = ctl.get(slot, S_TID);
    me.name = ctl.name(slot);
    me.record = slot;
    rec?.thread(slot, me.tid);
    me.waitContext = undefined;
    me.site = NO_SITE;
    refresh(init.memory);
    // A worker's first thread, or the next after a trap, needs an instance first.
    const made = instance ? null : await guarded(async () => (instance = await instantiate(init, imp)));
    const r = made?.trapped ? made : guard(() => {
      me.instance = instance;
      if (rec) drain(rec, me);
      const stack = [ctl.get(slot, S_STACK_LIMIT), BigInt(ctl.get(slot, S_STACK_TOP) >>> 0)];
      rec?.event(me.tid, abi.THREAD_START, ctl.get(slot, S_PARENT), ...stack, NO_SITE);
      instance.exports.wthreads_thread_start(...startArgs(ctl, slot));
    });
    if (rec) drain(rec, me);
    if (r.trapped && !r.deadlocked) noteDeath(init, me);
    if (r.trapped) {
      // The entry once more, in a fresh instance, on the thread's own stack (docs/abi.md): the
      // guest records the death, so that the locks the thread held are recovered by their next
      // users. The instance serves the next thread if that call returned.
      const again = await guarded(async () => {
        instance = me.instance = await instantiate(init, imp);
        instance.exports.wthreads_thread_start(...startArgs(ctl, slot));
      });
      if (again.trapped) instance = null;
      // A deadlock's report says what the thread waited for.
      if (!r.deadlocked) {
        report(imp.emit, me.tid, me.name, r.message);
        post({ kind: 'abort', seq: ctl.nextOutputSeq(), tid: me.tid, name: me.name || null, message: r.message });
      }
    }
    if (rec) traceExit(rec, me, r, ctl.get(slot, S_EXIT_WORD) >>> 0);
    // The exit event takes its place in the output order before a joiner can see the end.
    if (init.events) {
      const exit = { kind: 'event', seq: ctl.nextOutputSeq(), event: 'exit', tid: me.tid, trapped: r.trapped };
      post(r.trapped ? { ...exit, message: r.message } : exit);
    }
    // The instance runs no more code: tell the guest (exit word), then the joiner (slot).
    const exitWord = ctl.get(slot, S_EXIT_WORD) >>> 0;
    refresh(init.memory);
    const words = new Int32Array(init.memory.buffer);
    Atomics.store(words, exitWord / 4, 1);
    Atomics.notify(words, exitWord / 4);
    ctl.finish(slot, r.trapped, r.message ?? '');
  }
}
