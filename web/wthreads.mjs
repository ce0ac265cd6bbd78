// The web runtime of wthreads: runs a patched guest module in browsers and Node, one Web
// Worker (worker_threads in Node) per guest thread, over one shared WebAssembly.Memory. The
// page never blocks: the program's entry runs in a worker too.
//
//   import { run } from './wthreads.mjs';
//   const { code } = await run(bytes, { invoke: 'main', onStdout: (text) => ..., onEvent: (e) => ... });
import * as abi from './abi.mjs';
import { Control } from './control.mjs';
import { hasMultiMemory, moduleInfo, signature } from './module-info.mjs';
import { Tool, concat } from './trace/tool.mjs';
import { TraceFile, handled, sharedState } from './trace/recorder.mjs';
import { PageCheck } from './trace/check.mjs';
import { Presence } from './trace/presence.mjs';
import { WatchTable } from './watch.mjs';
import { startWatchdog } from './watchdog.mjs';

export { abi };
export { Tool, bytesInput } from './trace/tool.mjs';

/** An error of the runtime: an unusable module (`kind: 'module'`) or a trap in the entry (`kind: 'trap'`). */
export class WthreadsError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'WthreadsError';
    this.kind = kind;
  }
}

/** The events a listener can subscribe to. */
export const EVENTS = ['spawn', 'join', 'exit'];

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Throws a clear error if shared memory is unavailable (a page that is not cross-origin isolated). */
export function checkIsolation() {
  if (typeof SharedArrayBuffer === 'undefined' || globalThis.crossOriginIsolated === false) {
    throw new WthreadsError(
      'module',
      'SharedArrayBuffer is not available: the page is not cross-origin isolated. Serve it with the headers ' +
        '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp".',
    );
  }
}

/** Checks the module's imports, data segments and exports; returns the memory import's limits. */
function checkModule(module, bytes, invoke) {
  const info = moduleInfo(bytes);
  let mem = null;
  for (const imp of info.imports) {
    if (imp.module === 'env' && imp.name === 'memory' && imp.kind === 'memory') {
      mem = imp.memory;
      continue;
    }
    if (imp.module === 'wthreads') {
      const expected = abi.IMPORTS[imp.name];
      if (!Object.hasOwn(abi.IMPORTS, imp.name)) {
        throw new WthreadsError('module', `module imports \`wthreads.${imp.name}\`, which runtime API v${abi.ABI_VERSION} does not have (built for another version?)`);
      }
      const found = imp.kind !== 'function' ? `a ${imp.kind}` : imp.type ? signature(imp.type) : 'an unreadable type';
      if (found !== expected) {
        throw new WthreadsError('module', `import \`wthreads.${imp.name}\` has type ${found}, but runtime API v${abi.ABI_VERSION} defines it as ${expected}`);
      }
      continue;
    }
    if (imp.module === 'wthreads_patch') {
      throw new WthreadsError('module', `the module is not patched (it imports wthreads_patch.${imp.name}): run \`wthreads patch\` on it first`);
    }
    throw new WthreadsError('module', `unsupported import \`${imp.module}.${imp.name}\` (${imp.kind}): a wthreads host provides only \`wthreads.*\` and \`env.memory\``);
  }
  if (info.activeData) {
    const { index, size } = info.activeData;
    throw new WthreadsError(
      'module',
      `data segment ${index} (${size} bytes) is active: every thread's instance would write it into the shared memory again when it starts, undoing the program's writes; patch the module built by lld with --shared-memory (its segments are passive)`,
    );
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const name of ['wthreads_abi_version', 'wthreads_thread_start', invoke]) {
    if (!exports.has(name)) throw new WthreadsError('module', `the module does not export \`${name}\``);
  }
  if (!mem) throw new WthreadsError('module', 'the module does not import its memory as `env.memory`');
  if (!mem.shared) throw new WthreadsError('module', 'memory `env.memory` is not shared');
  if (mem.memory64) throw new WthreadsError('module', 'memory `env.memory` is 64-bit');
  if (mem.maximum === undefined) throw new WthreadsError('module', 'memory `env.memory` has no maximum');
  return mem;
}

/**
 * The module to run for `run`'s `trace` option: `bytes` instrumented by the tool module, and
 * the location table (the raw trace's SITES chunk).
 */
async function instrument(bytes, tool, memory) {
  if (memory && !hasMultiMemory()) {
    throw new WthreadsError(
      'module',
      'tracing memory accesses needs WebAssembly multi-memory (each thread\'s access buffer is a memory of its own), which this engine lacks: use Node.js 22 or later, Chromium 120 or later, or Firefox 125 or later',
    );
  }
  try {
    const traced = await tool.instrument(bytes, memory);
    return { module: await WebAssembly.compile(traced.wasm), sites: traced.sites };
  } catch (e) {
    throw new WthreadsError('module', `cannot trace the module: ${e.message}`);
  }
}

/** The tool module of `run`'s `trace` option: a `Tool`, or where to load it from (`Tool.load`). */
async function loadTool(tool) {
  try {
    return tool instanceof Tool ? tool : await Tool.load(tool);
  } catch (e) {
    throw new WthreadsError('module', `cannot trace the module: ${e.message}`);
  }
}

/**
 * The default limit of live threads (besides main). Lower than the native host's 1024: each
 * live thread is a Web Worker, which costs ~2.5 MB in Chromium and ~9 MB in Node (a bare Node
 * worker alone is ~8.5 MB), against ~40 KB for the native host's threads; 256 keeps a runaway
 * program under ~2.3 GB in Node. Raise it with the `maxThreads` option (`--max-threads`).
 */
export const DEFAULT_MAX_THREADS = 256;

async function startWorker(onMessage) {
  // Terminating a worker while its module (which awaits at its top level) is still being
  // evaluated makes Node abort the whole process (V8's "Check failed: (location_) != nullptr"
  // in ExecuteAsyncModule, nodejs/node#53238). Every worker sends a message once it is set up,
  // so one that has sent none yet is terminated when its first comes.
  let heard = false;
  let doomed = false;
  let kill = null;
  const hear = (m) => {
    if (!heard) {
      heard = true;
      if (doomed) return kill();
    }
    onMessage(m);
  };
  const fail = (message) => doomed || onMessage({ kind: 'crash', message });
  const terminate = () => (heard ? kill() : (doomed = true));
  if (isNode) {
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const w = new Worker(new URL('./worker.mjs', import.meta.url));
    w.on('message', hear);
    w.on('error', (e) => fail(String(e)));
    kill = () => w.terminate();
    return { post: (m) => w.postMessage(m), terminate };
  }
  // Written as bundlers (Vite, webpack) recognise a worker, to bundle it with its imports.
  const w = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
  w.onmessage = (e) => hear(e.data);
  w.onerror = (e) => fail(e.message);
  kill = () => w.terminate();
  return { post: (m) => w.postMessage(m), terminate };
}

/**
 * Runs the export `invoke` of a patched module (bytes) in a new worker. Resolves, once it
 * returned and all its output was delivered, to `{ code, value, elapsedMs, memory }`: the
 * export's result as an exit status (`code`, 0 for none) and as returned (`value`, a BigInt
 * for i64), the time the call took inside its worker, and the shared `WebAssembly.Memory`
 * (to read results such as an image out of the guest). Rejects with a `WthreadsError` for an
 * unusable module (`kind: 'module'`) or a trap in the entry (`kind: 'trap'`).
 *
 * Options: `invoke` ('main'), `args` (the export's arguments; default none, or (0, 0) for a
 * C-style `main(argc, argv)`), `maxThreads` (live threads besides main, `DEFAULT_MAX_THREADS`:
 * each is a worker, ~2.5 MB in Chromium and ~9 MB in Node), `poolSize` (workers started
 * up front, 4; the pool grows on demand), `onStdout(text)`, `onStderr(text)`,
 * `onAbort({tid, name, message})` for each thread that trapped or panicked, and the event
 * listeners: `on: { spawn, join, exit }` (a function per event) and `onEvent(event)` (all
 * events). Events are objects `{event, tid, ...}`:
 *   spawn `{tid, name, by}`, join `{tid, by, trapped}`, exit `{tid, trapped, message?}`.
 * Without listeners no events are sent at all.
 *
 * `trace` records the run's trace (docs/trace.md), as `wthreads trace` does: `{ memory, write,
 * check, tool }`. `memory`: every access of the shared memory too. `write(bytes)`: receives the
 * raw trace's bytes, in order, while the program runs; without it (and `check`) they are kept,
 * and the result (or the `WthreadsError` of a trap or deadlock) has them as `trace` (a
 * Uint8Array). `check(bytes)`: checks the run as it goes, as `wthreads check` does
 * (docs/check.md; every access is recorded), and receives each report's bytes as it is found;
 * the result (or the error) has the summary as `check` ("1 data race reported"; null if
 * nothing was), and the milliseconds the check took after the program ended as `checkEndMs`.
 * `tool`: the tool module that instruments the module and checks it (a `Tool`, or where to load
 * it from: `Tool.load`).
 */
export async function run(wasm, options = {}) {
  const { invoke = 'main', args, maxThreads = DEFAULT_MAX_THREADS, poolSize = 4, onStdout, onStderr, onAbort, onEvent, on = {}, trace } = options;
  if (args !== undefined && !(Array.isArray(args) && args.every((a) => typeof a === 'number' || typeof a === 'bigint'))) {
    throw new TypeError('wthreads: `args` must be an array of numbers (i32, f32, f64) or BigInts (i64)');
  }
  for (const [name, f] of Object.entries(on)) {
    if (!EVENTS.includes(name)) throw new TypeError(`wthreads: unknown event \`${name}\` in \`on\` (events: ${EVENTS.join(', ')})`);
    if (typeof f !== 'function') throw new TypeError(`wthreads: the listener of \`${name}\` is not a function`);
  }
  const listening = !!onEvent || Object.keys(on).length > 0;
  checkIsolation();
  const bytes = wasm instanceof Uint8Array ? wasm : new Uint8Array(wasm);
  let module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (e) {
    throw new WthreadsError('module', `not a valid WebAssembly module: ${e.message}`);
  }
  const mem = checkModule(module, bytes, invoke);
  let file = null;
  let checking = null;
  const kept = [];
  const memory = new WebAssembly.Memory({ initial: mem.initial, maximum: mem.maximum, shared: true });
  const control = new Control(maxThreads);
  const watch = new WatchTable(maxThreads);
  const init = { module, memory, control: control.buffer, watch: watch.buffer, invoke, args, events: listening };
  if (trace) {
    const tool = await loadTool(trace.tool);
    const traced = await instrument(bytes, tool, trace.memory || !!trace.check);
    init.module = traced.module;
    init.trace = { state: sharedState() };
    if (trace.check) {
      // The thread records are the watch table's: a slot's thread, and the main thread after them.
      const presence = new Presence(maxThreads + 1);
      init.trace.presence = presence.buffer;
      checking = new PageCheck(await tool.runCheck(), init.trace.state, presence, trace.check);
    }
    const keep = !trace.write && !trace.check;
    file = new TraceFile(traced.sites, (b, record) => {
      trace.write?.(b);
      checking?.handed(b, record);
      if (keep) kept.push(b);
    });
  }
  const workers = [];
  let booting = 0;
  const decoders = { [abi.FD_STDOUT]: new TextDecoder(), [abi.FD_STDERR]: new TextDecoder() };
  const sinks = {
    [abi.FD_STDOUT]: onStdout ?? ((t) => console.log(t)),
    [abi.FD_STDERR]: onStderr ?? ((t) => console.error(t)),
  };
  return new Promise((resolve, reject) => {
    const outputs = new Map();
    let next = 0;
    let result = null;
    let done = false;
    let deadlock = null;
    const stopWatchdog = startWatchdog(
      control,
      watch,
      memory,
      (report) => (deadlock = report),
      (report) => sinks[abi.FD_STDERR](report),
    );
    const finish = () => {
      done = true;
      stopWatchdog();
      for (const w of workers) w.terminate();
      if (result.error) {
        checking?.stop();
        return reject(new WthreadsError('module', result.error));
      }
      // A run that ran has a trace, whether its entry returned or trapped.
      file?.end();
      const recorded = file && !trace.write && !trace.check ? { trace: concat(kept) } : {};
      if (checking) {
        const start = performance.now();
        try {
          recorded.check = checking.end();
        } catch (e) {
          return reject(new WthreadsError('module', `cannot analyse the run: ${e.message}`));
        }
        recorded.checkEndMs = performance.now() - start;
      }
      if (result.deadlocked && deadlock) reject(Object.assign(new WthreadsError('deadlock', deadlock), recorded));
      else if (result.trapped) reject(Object.assign(new WthreadsError('trap', result.message), recorded));
      else {
        const { value, elapsedMs } = result;
        const code = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(BigInt.asIntN(32, value)) : 0;
        resolve({ code, value, elapsedMs, memory, ...recorded });
      }
    };
    const flush = () => {
      // Output, events and aborts share one sequence, so listeners see them in the order
      // they happened across threads.
      while (outputs.has(next)) {
        const msg = outputs.get(next);
        outputs.delete(next++);
        if (msg.kind === 'write') sinks[msg.fd](decoders[msg.fd].decode(msg.bytes, { stream: true }));
        else if (msg.kind === 'trace') {
          file?.write(msg.bytes, msg.record);
          handled(init.trace.state, msg.bytes.length);
        }
        else if (msg.kind === 'abort') onAbort?.({ tid: msg.tid, name: msg.name, message: msg.message });
        else {
          const { kind: _, seq: __, ...event } = msg;
          on[event.event]?.(event);
          onEvent?.(event);
        }
      }
      if (result && !done && next >= result.outputs) finish();
    };
    const addWorker = async (role) => {
      const w = await startWorker(onMessage);
      workers.push(w);
      // Set up even when the run is over: it then answers, and is terminated (`startWorker`).
      w.post({ ...init, role });
      if (done) w.terminate();
    };
    const grow = () => {
      while (control.shortOfWorkers(booting)) {
        booting++;
        addWorker('pool');
      }
    };
    function onMessage(msg) {
      switch (msg.kind) {
        case 'write':
        case 'trace':
        case 'event':
        case 'abort':
          // What threads still running send after the program's end is dropped, as the
          // native host drops it when the process exits (the trace has ended).
          if (done) break;
          outputs.set(msg.seq, msg);
          flush();
          break;
        case 'grow':
          grow();
          break;
        case 'ready':
          booting--;
          break;

        case 'result':
          result = msg;
          flush();
          break;
        case 'crash':
          result = { error: `a worker failed: ${msg.message}`, outputs: 0 };
          finish();
          break;
      }
    }
    booting += poolSize;
    for (let i = 0; i < poolSize; i++) addWorker('pool');
    addWorker('main');
  });
}
