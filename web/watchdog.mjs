// The deadlock watchdog of the web runtime, on the page (or Node's main thread), which never
// blocks: every PERIOD_MS it looks at every live thread's record in the watch table
// (`watch.mjs`), and when all of them were blocked for good in two looks in a row with nothing
// changed between, it ends the program with a report of what each waits for. The rules and the
// report are the native host's (`host/src/watch`, docs/check.md "Deadlocks"): threads that wait
// for each other in a cycle while others still run are reported once, and the program goes on.
import * as abi from './abi.mjs';
import { S_TID, RUNNING } from './control.mjs';
import { FUTEX, JOIN } from './watch.mjs';

const PERIOD_MS = 100;
/** How many looks a report waits for the functions its threads wait in (see `framesReady`). */
const FRAMES_PATIENCE = 3;
const WAKE_EVERY_MS = 10;
const WAKE_ROUNDS = 500;
/** How many of a thread's own functions (the runtime's left out) a report shows. */
const FRAMES = 4;

/**
 * Watches the run of `control` (its `Control`), `watch` (its `WatchTable`) over `memory`;
 * calls `onDeadlock(report)` once if the program deadlocks, and `onCycle(report)` for each
 * wait-for cycle among some of its threads. Returns a function that stops it.
 */
export function startWatchdog(control, watch, memory, onDeadlock, onCycle) {
  let last = new Set();
  const reported = new Set();
  // How many looks each report has waited for its threads' functions (the key: the threads).
  const asked = new Map();
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
    const blockedNow = live.filter(blocked);
    // Blocked in both looks, with no wait started or ended between.
    const stuck = blockedNow.filter((t) => last.has(`${t.tid}:${t.wait.gen}`));
    last = new Set(blockedNow.map((t) => `${t.tid}:${t.wait.gen}`));
    // Whether a report on `threads` can be written: each told the functions it waits in, or the
    // report waited FRAMES_PATIENCE looks for them. Asks (wakes) the threads that have not.
    const framesReady = (threads) => {
      const key = threads.map((t) => t.tid).join(',');
      const missing = threads.filter((t) => t.wait.frames.length === 0);
      const looks = asked.get(key) ?? 0;
      if (missing.length === 0 || looks >= FRAMES_PATIENCE) return true;
      asked.set(key, looks + 1);
      for (const t of missing) {
        watch.wantFrames(t.record);
        // A join asks by itself, every little while.
        if (t.wait.kind === FUTEX) Atomics.notify(words(), (t.wait.addr >>> 0) / 4);
      }
      return false;
    };
    if (stuck.length === 0 || stuck.length < live.length) {
      for (const cycle of cycles(stuck, word)) {
        const key = cycle.map((t) => t.tid).join(',');
        if (!reported.has(key) && framesReady(cycle)) {
          reported.add(key);
          onCycle(report(cycle, word, false, live.length));
        }
      }
      return;
    }
    if (framesReady(stuck)) {
      clearInterval(timer);
      watch.setDeadlocked();
      onDeadlock(report(live, word, true, live.length));
      let rounds = 0;
      const wake = setInterval(() => {
        const waiting = threads().filter((t) => t.wait.kind === FUTEX);
        for (const t of waiting) Atomics.notify(words(), (t.wait.addr >>> 0) / 4);
        if (waiting.length === 0 || ++rounds >= WAKE_ROUNDS) clearInterval(wake);
      }, WAKE_EVERY_MS);
      wake.unref?.();
    }
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

/** The report on `threads`: every live thread (`all`), or a wait-for cycle's while others run. */
function report(threads, word, all, liveCount) {
  let out;
  if (all && threads.length === 1) out = "deadlock: the program's only live thread is blocked, and nothing can wake it\n";
  else if (all) out = `deadlock: all ${threads.length} live threads of the program are blocked, and none can wake another\n`;
  else if (threads.length === 1) out = `deadlock: thread ${threads[0].tid} waits for itself (other threads still run)\n`;
  else out = `deadlock: threads ${threads.map((t) => t.tid).join(', ')} wait for each other (other threads still run)\n`;
  for (const t of threads) {
    out += `\nthread ${t.tid}${t.name ? ` '${t.name}'` : ''} ${waitsFor(t, threads, word, threads.length === liveCount)}\n`;
    for (const f of ownFrames(t.wait.frames)) out += `    in ${f}\n`;
  }
  return out;
}

/** The wait-for cycles among `threads` (each blocked for good), each once, in id order. */
function cycles(threads, word) {
  const next = (t) => {
    if (t.wait.kind === JOIN) return t.wait.addr;
    const addr = mutexOf(t.wait);
    return addr === null ? null : holderOf(addr, threads, word)?.tid ?? null;
  };
  const edges = new Map(threads.map((t) => [t.tid, next(t)]));
  const found = new Map();
  for (const start of edges.keys()) {
    const path = [start];
    let at = start;
    for (let n = edges.get(at); n !== null && n !== undefined; n = edges.get(at)) {
      const i = path.indexOf(n);
      if (i >= 0) {
        const cycle = path.slice(i).sort((a, b) => a - b);
        found.set(cycle.join(','), cycle.map((tid) => threads.find((t) => t.tid === tid)));
        break;
      }
      path.push(n);
      at = n;
    }
  }
  return [...found.values()];
}

function waitsFor(t, live, word, everyone) {
  const w = t.wait;
  if (w.kind === JOIN) return `waits to join thread ${w.addr}`;
  const plain = `waits on the futex word at ${hex(w.addr)} (holding ${w.expected >>> 0})`;
  if (!hasContext(w)) return plain;
  const at = hex(w.whatAddr);
  switch (w.what & abi.EVENT_MASK) {
    case abi.LOCK_ACQUIRE_STARTED:
      if (w.what & abi.LOCK_RWLOCK) return `waits to ${w.what & abi.LOCK_SHARED ? 'read' : 'write'}-lock the RwLock at ${at}`;
      if (w.what & abi.LOCK_INTERNAL) return `waits for a lock of the runtime at ${at}`;
      return `waits for the mutex at ${at}, ${holder(t, live, word, everyone)}`;
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

function holder(t, live, word, everyone) {
  if (((word(t.wait.addr >>> 0) ?? 0) & ~abi.MUTEX_CONTENDED) === 0) return 'which is free now';
  const found = holderOf(t.wait.addr >>> 0, live, word);
  if (!found) return everyone ? 'held by a thread that has ended' : 'held by a thread that still runs';
  return found.tid === t.tid ? 'which it holds itself' : `held by thread ${found.tid}`;
}

/** The thread of `threads` whose owner value the mutex word at `addr` holds. */
function holderOf(addr, threads, word) {
  const owner = (word(addr) ?? 0) & ~abi.MUTEX_CONTENDED;
  if (owner === 0) return undefined;
  return threads.find((o) => o.wait.thread !== 0 && word((o.wait.thread >>> 0) + abi.OWNER_AT_THREAD_POINTER) === owner);
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
