// A persistent run of a guest module: compiled once, its memory, its threads and their workers
// kept from one call to the next. The main thread is a worker that takes the page's calls one
// after another, so the page never blocks; a thread spawned by one call may run on through the
// next ones.
//
//   const rt = await Runtime.create(bytes, { onStdout: (text) => ... });
//   const input = await rt.writeString('text');
//   const n = await rt.call('count_words', input.ptr, input.len);
//   await rt.close();
import * as abi from './abi.mjs';
import { loadGlue } from './bindgen.mjs';
import { Control } from './control.mjs';
import { WthreadsError } from './error.mjs';
import { checkIsolation, compileChecked } from './module-check.mjs';
import { TraceSession } from './trace/session.mjs';
import { WatchTable } from './watch.mjs';
import { startWatchdog } from './watchdog.mjs';
import { startWorker } from './workers.mjs';

/** The events a listener can subscribe to. */
export const EVENTS = ['spawn', 'join', 'exit'];

/**
 * The default limit of live threads (besides main). Lower than the native host's 1024: each
 * live thread is a Web Worker, which costs ~2.5 MB in Chromium and ~9 MB in Node (a bare Node
 * worker alone is ~8.5 MB), against ~40 KB for the native host's threads; 256 keeps a runaway
 * program under ~2.3 GB in Node. Raise it with the `maxThreads` option (`--max-threads`).
 */
export const DEFAULT_MAX_THREADS = 256;

/** `Runtime`'s call that also says how long the export ran: `{ value, elapsedMs }` (for `run`). */
export const timedCall = Symbol('wthreads.timedCall');

/** Only `Runtime.create` makes a runtime. */
const creating = Symbol('wthreads.creating');

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const U32_MAX = 2 ** 32 - 1;

/** Throws a TypeError unless `args` are arguments a wasm export takes. */
export function checkArgs(args) {
  if (!args.every((a) => typeof a === 'number' || typeof a === 'bigint')) {
    throw new TypeError('wthreads: arguments must be numbers (i32, f32, f64) or BigInts (i64)');
  }
}

function checkListeners(on) {
  for (const [name, f] of Object.entries(on)) {
    if (!EVENTS.includes(name)) throw new TypeError(`wthreads: unknown event \`${name}\` in \`on\` (events: ${EVENTS.join(', ')})`);
    if (typeof f !== 'function') throw new TypeError(`wthreads: the listener of \`${name}\` is not a function`);
  }
}

function checkU32(what, n) {
  if (!Number.isInteger(n) || n < 0 || n > U32_MAX) throw new RangeError(`wthreads: ${what} ${n} is not an integer from 0 to 2^32 - 1`);
}

export class Runtime {
  /**
   * Compiles a patched module (bytes), creates its memory and worker pool and instantiates it
   * for its main thread. Rejects with a `WthreadsError` of kind `'module'` for a module that
   * cannot run. Options: `maxThreads` (live threads besides main, `DEFAULT_MAX_THREADS`: each
   * is a worker, ~2.5 MB in Chromium and ~9 MB in Node), `poolSize` (workers started up front,
   * 4; the pool grows on demand), `onStdout(text)`, `onStderr(text)`, `onAbort({tid, name,
   * message})` for each thread that trapped or panicked, the event listeners `on: { spawn,
   * join, exit }` and `onEvent(event)`, `trace` (see `run`), and `bindgen`: for a module made by
   * `wasm-bindgen --target web` from a patched module, where its JavaScript glue is (`NAME.js`;
   * every worker runs the module through a glue of its own, and `call` calls the glue's
   * functions).
   */
  static async create(wasm, options = {}) {
    const { maxThreads = DEFAULT_MAX_THREADS, poolSize = 4, on = {}, trace, bindgen } = options;
    checkListeners(on);
    checkIsolation();
    if (bindgen && trace) throw new WthreadsError('module', 'a module made by wasm-bindgen cannot be traced yet: trace its threads in a module without wasm-bindgen');
    const bytes = wasm instanceof Uint8Array ? wasm : new Uint8Array(wasm);
    const checked = await compileChecked(bytes, !!bindgen);
    let glue = null;
    if (bindgen) {
      try {
        glue = await loadGlue(bindgen);
      } catch (e) {
        throw new WthreadsError('module', `the \`bindgen\` option: ${e.message}`);
      }
    }
    const session = trace ? await TraceSession.start(bytes, trace, maxThreads + 1) : null;
    const rt = new Runtime(creating, checked, session, { ...options, maxThreads, poolSize, on, glue });
    await rt.#started;
    return rt;
  }

  #memory;
  #control;
  #session;
  #options;
  #canAlloc;
  #workers = [];
  #main = null;
  #booting = 0;
  // Output, events, aborts and trace chunks by seq, delivered in seq order (`#flush`).
  #outputs = new Map();
  #next = 0;
  // What waits for the output before a seq: `{ outputs, settle }`, in the order sent.
  #waiting = [];
  #calls = new Map();
  #nextCall = 0;
  // `Runtime.create`'s and `close`'s promises, settled by the main worker's answers.
  #starting = null;
  #closingAnswer = null;
  #deadlock = null;
  #stopWatchdog;
  // Why the runtime ended (a `WthreadsError` for later calls), and what its trace came to (or
  // why it came to nothing).
  #ended = null;
  #recorded = {};
  #traceError = null;
  #init;
  #closing = null;
  #started;
  #decoders = { [abi.FD_STDOUT]: new TextDecoder(), [abi.FD_STDERR]: new TextDecoder() };
  #sinks;

  /** Use `Runtime.create`. */
  constructor(token, { module, memory: limits }, session, options) {
    if (token !== creating) throw new TypeError('wthreads: a Runtime is made by `await Runtime.create(module, options)`');
    this.#options = options;
    this.#session = session;
    this.#canAlloc = Object.keys(abi.ALLOC_EXPORTS).every((name) =>
      WebAssembly.Module.exports(module).some((e) => e.name === name && e.kind === 'function'),
    );
    this.#sinks = {
      [abi.FD_STDOUT]: options.onStdout ?? ((t) => console.log(t)),
      [abi.FD_STDERR]: options.onStderr ?? ((t) => console.error(t)),
    };
    this.#memory = new WebAssembly.Memory({ initial: limits.initial, maximum: limits.maximum, shared: true });
    this.#control = new Control(options.maxThreads);
    const watch = new WatchTable(options.maxThreads);
    const listening = !!options.onEvent || Object.keys(options.on).length > 0;
    const init = {
      module: session?.module ?? module,
      memory: this.#memory,
      control: this.#control.buffer,
      watch: watch.buffer,
      events: listening,
      trace: session?.shared,
      bindgen: options.glue,
    };
    this.#stopWatchdog = startWatchdog(
      this.#control,
      watch,
      this.#memory,
      (report) => (this.#deadlock = report),
      (report) => this.#sinks[abi.FD_STDERR](report),
    );
    this.#init = init;
    this.#started = new Promise((resolve, reject) => (this.#starting = { resolve, reject }));
    // wasm-bindgen's start function gives the first instance the module's own stack and every
    // later one a stack of its own: the main thread's instance must be the first, so the pool
    // starts once it is made.
    this.#poolSize = options.poolSize;
    this.#booting += options.poolSize;
    if (!options.glue) this.#startPool();
    this.#addWorker('main');
  }

  #poolSize;

  #startPool() {
    for (let i = 0; i < this.#poolSize; i++) this.#addWorker('pool');
  }

  #addWorker(role) {
    const w = startWorker((m) => this.#onMessage(m));
    this.#workers.push(w);
    // Pool workers never keep Node running; the main one does while the page waits for it.
    if (role === 'main') this.#main = w;
    else w.unref();
    w.post({ ...this.#init, role });
    if (this.#ended) w.terminate();
  }

  #growPool() {
    while (this.#control.shortOfWorkers(this.#booting)) {
      this.#booting++;
      this.#addWorker('pool');
    }
  }

  /** The program's shared `WebAssembly.Memory`. */
  get memory() {
    return this.#memory;
  }

  /** Whether the runtime has ended (closed, or its main thread trapped or deadlocked). */
  get closed() {
    return this.#ended !== null;
  }

  /**
   * Calls export `name` with `args` on the main thread, after every earlier call; resolves to
   * what it returned (a number, a BigInt for i64, or undefined). Rejects with a `WthreadsError`:
   * `'module'` if the module has no such function or it takes other arguments (the runtime stays
   * usable); `'trap'` or `'deadlock'` if the call ended the program (the runtime is then closed,
   * and the error has the trace's result as `close` gives it); `'closed'` once closed.
   */
  async call(name, ...args) {
    return (await this[timedCall](name, args)).value;
  }

  /** `call`, resolving to `{ value, elapsedMs }` (the time the export ran in its worker). */
  [timedCall](name, args) {
    if (typeof name !== 'string') return Promise.reject(new TypeError('wthreads: the export to call is named by a string'));
    // A glue's functions take any value a message can carry; a module's own exports, numbers.
    if (args !== undefined && !this.#init.bindgen) checkArgs(args);
    if (this.#ended) return Promise.reject(this.#ended);
    const id = this.#nextCall++;
    return new Promise((resolve, reject) => {
      try {
        this.#main.post({ kind: 'call', id, name, args });
      } catch (e) {
        return reject(new TypeError(`wthreads: the arguments of \`${name}\` cannot be sent to the program's main thread: ${e.message}`));
      }
      this.#calls.set(id, { resolve, reject });
      this.#main.ref();
    });
  }

  /**
   * Allocates `size` bytes aligned to `align` in the guest's memory with the program's own
   * allocator (the guest library's `wthreads_alloc`, docs/abi.md); resolves to the address.
   * Rejects with a RangeError if the guest's memory is exhausted.
   */
  async alloc(size, align = 1) {
    checkU32('size', size);
    if (!Number.isInteger(align) || align < 1 || align > 2 ** 31 || (align & (align - 1)) !== 0) {
      throw new RangeError(`wthreads: alignment ${align} is not a power of two`);
    }
    this.#needsAlloc();
    const ptr = (await this.call('wthreads_alloc', size, align)) >>> 0;
    if (ptr === 0) throw new RangeError(`wthreads: the guest cannot allocate ${size} bytes (aligned to ${align}): its memory is exhausted`);
    return ptr;
  }

  /** Frees what `alloc(size, align)` returned, with the same size and alignment. */
  async free(ptr, size, align = 1) {
    checkU32('address', ptr);
    checkU32('size', size);
    this.#needsAlloc();
    await this.call('wthreads_free', ptr | 0, size | 0, align | 0);
  }

  /** Copies `bytes` (a typed array or ArrayBuffer) into a new block of guest memory: `{ ptr, len }`. */
  async writeBytes(bytes) {
    const view = ArrayBuffer.isView(bytes)
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : bytes instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer)
        ? new Uint8Array(bytes)
        : null;
    if (!view) throw new TypeError('wthreads: writeBytes takes a typed array, a DataView or an ArrayBuffer');
    const ptr = await this.alloc(view.length);
    this.#bytes().set(view, ptr);
    return { ptr, len: view.length };
  }

  /** Copies `text`, UTF-8 encoded, into a new block of guest memory: `{ ptr, len }` (in bytes). */
  async writeString(text) {
    if (typeof text !== 'string') throw new TypeError('wthreads: writeString takes a string');
    return this.writeBytes(encoder.encode(text));
  }

  /** A copy of the `len` bytes of guest memory at `ptr`. */
  readBytes(ptr, len) {
    checkU32('address', ptr);
    checkU32('length', len);
    const bytes = this.#bytes();
    if (ptr + len > bytes.length) {
      throw new RangeError(`wthreads: ${len} bytes at ${ptr} run past the end of the guest's memory (${bytes.length} bytes)`);
    }
    return bytes.slice(ptr, ptr + len);
  }

  /** The UTF-8 text of the `len` bytes of guest memory at `ptr` (invalid sequences replaced). */
  readString(ptr, len) {
    return decoder.decode(this.readBytes(ptr, len));
  }

  /**
   * Ends the runtime: its main thread ends (as a program's does when its entry returns), every
   * worker is terminated, and threads still running stop where they are. Resolves to what the
   * trace came to (`{ trace }` or `{ check, checkEndMs }`, see `run`; `{}` untraced). Calls not
   * yet returned are rejected (`'closed'`). Closing again resolves to the same.
   */
  close() {
    this.#closing ??= new Promise((resolve, reject) => {
      if (!this.#ended && this.#calls.size > 0) {
        this.#end(new WthreadsError('closed', 'the runtime is closed'), new WthreadsError('closed', 'the runtime was closed during the call'));
      }
      if (this.#ended) return this.#traceError ? reject(this.#traceError) : resolve(this.#recorded);
      this.#closingAnswer = { resolve, reject };
      this.#main.ref();
      this.#main.post({ kind: 'close' });
    });
    return this.#closing;
  }

  #needsAlloc() {
    if (!this.#canAlloc) {
      throw new WthreadsError(
        'module',
        'the module does not export `wthreads_alloc` and `wthreads_free` (docs/abi.md): build it with this version of the wthreads crate',
      );
    }
  }

  /** The guest's memory as bytes, as large as it has grown in any thread. */
  #bytes() {
    // Growth in a worker reaches the page's view only later; `grow(0)` updates it now.
    this.#memory.grow(0);
    return new Uint8Array(this.#memory.buffer);
  }

  /**
   * Ends the runtime, for `why` (the error later calls get): stops the watchdog, terminates
   * every worker, rejects the calls still running with `running`, and ends the trace (`ran`:
   * whether the program ran, so that its trace is complete).
   */
  #end(why, running = why, ran = true) {
    if (this.#ended) return;
    this.#ended = why;
    this.#stopWatchdog();
    for (const w of this.#workers) w.terminate();
    if (this.#session && !ran) this.#session.stop();
    else if (this.#session) {
      try {
        this.#recorded = this.#session.end();
      } catch (e) {
        this.#traceError = e;
      }
    }
    for (const call of this.#calls.values()) call.reject(running);
    this.#calls.clear();
    this.#starting?.reject(why);
    this.#closingAnswer?.reject(why);
    this.#waiting = [];
  }

  /** Delivers, in seq order, what came in; settles what waited for it. */
  #flush() {
    const { onAbort, onEvent, on } = this.#options;
    while (this.#outputs.has(this.#next)) {
      const msg = this.#outputs.get(this.#next);
      this.#outputs.delete(this.#next++);
      if (msg.kind === 'write') this.#sinks[msg.fd](this.#decoders[msg.fd].decode(msg.bytes, { stream: true }));
      else if (msg.kind === 'trace') this.#session.write(msg.bytes, msg.record);
      else if (msg.kind === 'abort') onAbort?.({ tid: msg.tid, name: msg.name, message: msg.message });
      else {
        const { kind: _, seq: __, ...event } = msg;
        on[event.event]?.(event);
        onEvent?.(event);
      }
    }
    while (this.#waiting.length > 0 && this.#waiting[0].outputs <= this.#next) this.#waiting.shift().settle();
  }

  /** Once the output before `msg.outputs` is delivered, `settle()`. */
  #after(msg, settle) {
    this.#waiting.push({ outputs: msg.outputs, settle });
    this.#flush();
  }

  #settleCall(msg) {
    const call = this.#calls.get(msg.id);
    this.#calls.delete(msg.id);
    if (this.#calls.size === 0) this.#main.unref();
    if (msg.refused) return call.reject(new WthreadsError('module', msg.refused));
    if (!msg.trapped) return call.resolve({ value: msg.value, elapsedMs: msg.elapsedMs });
    // The main thread is gone: the program ended, as natively when its entry traps.
    const ended = msg.deadlocked ? 'deadlocked' : msg.message;
    this.#end(new WthreadsError('closed', `the runtime ended: an earlier call ${ended}`));
    if (this.#traceError) return call.reject(this.#traceError);
    const error = msg.deadlocked ? new WthreadsError('deadlock', this.#deadlock ?? msg.message) : new WthreadsError('trap', msg.message);
    call.reject(Object.assign(error, this.#recorded));
  }

  #onMessage(msg) {
    // What threads still running send after the runtime ended is dropped, as the native host
    // drops it when the process exits (the trace has ended).
    if (this.#ended) return;
    switch (msg.kind) {
      case 'write':
      case 'trace':
      case 'event':
      case 'abort':
        this.#outputs.set(msg.seq, msg);
        this.#flush();
        break;
      case 'grow':
        this.#growPool();
        break;
      case 'ready':
        this.#booting--;
        break;
      case 'started':
        if (msg.error) {
          const error = new WthreadsError('module', msg.error);
          this.#end(error, error, false);
        }
        else {
          this.#main.unref();
          if (this.#init.bindgen) this.#startPool();
          this.#after(msg, () => {
            this.#starting.resolve();
            this.#starting = null;
          });
        }
        break;
      case 'result':
        this.#after(msg, () => this.#settleCall(msg));
        break;
      case 'closed':
        this.#after(msg, () => {
          const answer = this.#closingAnswer;
          this.#closingAnswer = null;
          this.#end(new WthreadsError('closed', 'the runtime is closed'));
          if (this.#traceError) answer.reject(this.#traceError);
          else answer.resolve(this.#recorded);
        });
        break;
      case 'crash': {
        const error = new WthreadsError('module', `a worker failed: ${msg.message}`);
        this.#end(error, error, false);
        break;
      }
    }
  }
}
