// The deadlock watchdog of the web runtime, on the page (or Node's main thread), which never
// blocks: every PERIOD_MS it looks at every live thread's record in the watch table
// (`watch.mjs`), and when all of them were blocked for good in two looks in a row with nothing
// changed between, it ends the program with a report of what each waits for. The rules and the
// report are the native host's (`host/src/watch`, docs/check.md "Deadlocks").
import * as abi from './abi.mjs';
import { S_TID, RUNNING } from './control.mjs';
import { FUTEX, JOIN } from './watch.mjs';

const PERIOD_MS = 100;
const WAKE_EVERY_MS = 10;
const WAKE_ROUNDS = 500;
/** How many of a thread's own functions (the runtime's left out) a report shows. */
const FRAMES = 4;

/**
 * Watches the run of `control` (its `Control`), `watch` (its `WatchTable`) over `memory`;
 * calls `onDeadlock(report)` once if the program deadlocks. Returns a function that stops it.
 */
export function startWatchdog(control, watch, memory, onDeadlock) {
  let last = null;
  let timer = null;
  const words = () => new Int32Array(memory.buffer);
  const word = (addr) => {
    const w = words();
    return addr % 4 === 0 && addr >= 0 && addr + 4 <= w.byteLength ? Atomics.load(w, addr / 4) : undefined;
  };
  const threads = () => {
    const live = [];
    if (watch.mainLive()) live.push({ tid: abi.MAIN_THREAD_ID, name: 'main', record: watch.main, running: true });
    for (let s = 0; s < control.slots; s++) {
      if (!control.isLive(control.get(s, S_TID)) || control.find(control.get(s, S_TID)) !== s) continue;
      live.push({ tid: control.get(s, S_TID), name: control.name(s), record: s, running: control.get(s, 0) === RUNNING });
    }
    return live.map((t) => ({ ...t, wait: watch.snapshot(t.record) }));
  };
  const deadHolder = (wait) => {
    const addr = mutexOf(wait);
    if (addr === null) return false;
    const w = word(addr);
    return w !== undefined && watch.isDead(w & ~abi.MUTEX_CONTENDED);
  };
  const blocked = (t) => {
    if (!t.running) return false;
    if (t.wait.kind === FUTEX) return word(t.wait.addr >>> 0) === t.wait.expected && !deadHolder(t.wait);
    if (t.wait.kind === JOIN) return control.isLive(t.wait.addr);
    return false;
  };
  const look = () => {
    const live = threads();
    for (const t of live) {
      if (t.wait.kind === FUTEX && deadHolder(t.wait)) Atomics.notify(words(), (t.wait.addr >>> 0) / 4);
    }
    const all = live.length > 0 && live.every(blocked);
    const seen = all ? live.map((t) => `${t.tid}:${t.wait.gen}`).join(' ') : null;
    if (seen !== null && seen === last) {
      clearInterval(timer);
      watch.setDeadlocked();
      onDeadlock(report(live, word));
      let rounds = 0;
      const wake = setInterval(() => {
        const waiting = threads().filter((t) => t.wait.kind === FUTEX);
        for (const t of waiting) Atomics.notify(words(), (t.wait.addr >>> 0) / 4);
        if (waiting.length === 0 || ++rounds >= WAKE_ROUNDS) clearInterval(wake);
      }, WAKE_EVERY_MS);
      return;
    }
    last = seen;
  };
  timer = setInterval(look, PERIOD_MS);
  // The watchdog alone does not keep Node running.
  timer.unref?.();
  return () => clearInterval(timer);
}

/** The word of the user `Mutex` that `wait` is for, if it is one; else null. */
function mutexOf(wait) {
  const userMutex = (wait.what & abi.EVENT_MASK) === abi.LOCK_ACQUIRE_STARTED && (wait.what & (abi.LOCK_RWLOCK | abi.LOCK_INTERNAL)) === 0;
  return hasContext(wait) && userMutex ? wait.addr >>> 0 : null;
}

/** Whether a futex wait's context event is its own: the word is inside the object it named. */
function hasContext(wait) {
  const [addr, at] = [wait.addr >>> 0, wait.whatAddr >>> 0];
  return wait.what !== abi.NO_WAIT_CONTEXT && addr >= at && addr < at + 64;
}

const hex = (n) => `0x${(n >>> 0).toString(16)}`;

function report(live, word) {
  let out =
    live.length === 1
      ? "deadlock: the program's only live thread is blocked, and nothing can wake it\n"
      : `deadlock: all ${live.length} live threads of the program are blocked, and none can wake another\n`;
  for (const t of live) {
    out += `\nthread ${t.tid}${t.name ? ` '${t.name}'` : ''} ${waitsFor(t, live, word)}\n`;
    for (const f of ownFrames(t.wait.frames)) out += `    in ${f}\n`;
  }
  return out;
}

function waitsFor(t, live, word) {
  const w = t.wait;
  if (w.kind === JOIN) return `waits to join thread ${w.addr}`;
  const plain = `waits on the futex word at ${hex(w.addr)} (holding ${w.expected >>> 0})`;
  if (!hasContext(w)) return plain;
  const at = hex(w.whatAddr);
  switch (w.what & abi.EVENT_MASK) {
    case abi.LOCK_ACQUIRE_STARTED:
      if (w.what & abi.LOCK_RWLOCK) return `waits to ${w.what & abi.LOCK_SHARED ? 'read' : 'write'}-lock the RwLock at ${at}`;
      if (w.what & abi.LOCK_INTERNAL) return `waits for a lock of the runtime at ${at}`;
      return `waits for the mutex at ${at}, ${holder(t, live, word)}`;
    case abi.CONDVAR_WAIT:
      return `waits on the condition variable at ${at}`;
    case abi.BARRIER_WAIT:
      return `waits at the barrier at ${at}`;
    case abi.PARK:
      return 'is parked (thread::park) and nobody unparks it';
    default:
      return plain;
  }
}

function holder(t, live, word) {
  const w = word(t.wait.addr >>> 0);
  if (w === undefined) return 'held';
  const owner = w & ~abi.MUTEX_CONTENDED;
  if (owner === 0) return 'which is free now';
  const found = live.find((o) => o.wait.thread !== 0 && word((o.wait.thread >>> 0) + abi.OWNER_AT_THREAD_POINTER) === owner);
  if (!found) return 'held by a thread that has ended';
  return found.tid === t.tid ? 'which it holds itself' : `held by thread ${found.tid}`;
}

/** The program's own frames, innermost first (all of them if nothing else is left). */
function ownFrames(frames) {
  const names = frames.map(demangle);
  const runtime = ['wthreads::', 'wthreads_', 'core::', 'alloc::', 'std::', 'dlmalloc::', 'spin::', '__', 'wthreads.'];
  const isRuntime = (n) => runtime.some((p) => n.replace(/^<+/, '').startsWith(p)) && !n.includes('{{vtable.shim}}');
  const own = names.filter((n) => !isRuntime(n));
  return (own.length > 0 ? own : names).slice(0, FRAMES);
}

/** A legacy-mangled Rust symbol (`_ZN…E`) as `a::b::c`, without its hash; others as they are. */
export function demangle(engineName) {
  // V8 prefixes the module's name ("m.wasm.") and LLVM may suffix ".llvm.N".
  const name = engineName.replace(/^[^.]*\.wasm\./, '').replace(/\.llvm\.\d+$/, '');
  if (!name.startsWith('_ZN')) return name;
  const parts = [];
  let i = 3;
  while (i < name.length && name[i] !== 'E') {
    const len = /^\d+/.exec(name.slice(i))?.[0];
    if (!len) return name;
    i += len.length;
    parts.push(name.slice(i, i + Number(len)));
    i += Number(len);
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  const escapes = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };
  return parts
    .map((p) =>
      p
        .replace(/^_\$/, '$')
        .replace(/\$([A-Z]+)\$/g, (m, e) => escapes[e] ?? m)
        .replace(/\$u([0-9a-f]+)\$/g, (_, h) => String.fromCodePoint(parseInt(h, 16)))
        .replaceAll('..', '::'),
    )
    .join('::');
}
