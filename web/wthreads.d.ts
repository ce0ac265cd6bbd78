// The types of the web runtime's API (`wthreads.mjs`), for TypeScript and editors. The runtime
// is plain JavaScript; these declarations are checked against a program that uses all of it by
// `tsc --strict` in the tests (host/tests/npm.rs).

/** The runtime API's numbers that a host and a page share (docs/abi.md): exit statuses, events. */
export declare const abi: {
  /** The runtime API version a module must be built for. */
  readonly ABI_VERSION: number;
  /** The thread id of the thread that runs the invoked export. */
  readonly MAIN_THREAD_ID: number;
  /** Exit status of `check` when it reported a data race or a lock-order inversion (66). */
  readonly EXIT_RACE: number;
  /** Exit status of a program that deadlocked (102). */
  readonly EXIT_DEADLOCK: number;
  /** Exit status of a program whose invoked export trapped (101). */
  readonly EXIT_TRAP: number;
  /** Exit status of a module that cannot run (2). */
  readonly EXIT_MODULE: number;
  readonly [name: string]: unknown;
};

/** What went wrong in `run` or a `Runtime`. */
export type WthreadsErrorKind = 'module' | 'trap' | 'deadlock' | 'closed';

/**
 * An error of the runtime: a module that cannot run, or a call that cannot be made (an export
 * it lacks, other arguments) (`'module'`); a trap in the called export (`'trap'`); a deadlock
 * (`'deadlock'`: every thread blocked; the message says what each waits for); a `Runtime` that
 * ended before or during the call (`'closed'`, the message says why). A traced or checked run
 * that ran has its `trace` or `check` here too.
 */
export declare class WthreadsError extends Error {
  constructor(kind: WthreadsErrorKind, message: string);
  readonly name: 'WthreadsError';
  readonly kind: WthreadsErrorKind;
  /** The raw trace, for a traced run without `trace.write` or `trace.check`. */
  readonly trace?: Uint8Array;
  /** The summary of what `trace.check` reported ("1 data race reported"), or null. */
  readonly check?: string | null;
  /** Milliseconds the check took after the program ended. */
  readonly checkEndMs?: number;
}

/** The events a listener can subscribe to. */
export declare const EVENTS: readonly ['spawn', 'join', 'exit'];

/** A thread was spawned: its id and name (null: none), and the id of the thread that spawned it. */
export interface SpawnEvent {
  event: 'spawn';
  tid: number;
  name: string | null;
  by: number;
}

/** A thread was joined by thread `by`; `trapped`: it had trapped or panicked. */
export interface JoinEvent {
  event: 'join';
  tid: number;
  by: number;
  trapped: boolean;
}

/** A thread ended; `message` says why if it trapped or panicked. */
export interface ExitEvent {
  event: 'exit';
  tid: number;
  trapped: boolean;
  message?: string;
}

export type ThreadEvent = SpawnEvent | JoinEvent | ExitEvent;

/** A thread that trapped or panicked: its id, name (null: none) and message. */
export interface Abort {
  tid: number;
  name: string | null;
  message: string;
}

/** Where the tool module is loaded from: a compiled module, its bytes, a URL or (in Node) a path. */
export type ToolSource = WebAssembly.Module | Uint8Array | ArrayBuffer | URL | string;

/** A trace format of `wthreads trace` (docs/trace.md). */
export interface TraceFormat {
  name: string;
  /** The file's default name. */
  file: string;
  /** The suffix of its side file (RAPID's location table), or null. */
  side: string | null;
}

/** An input of the tool module: its length, and its bytes read at an offset. */
export interface ToolInput {
  length: number;
  read(offset: number, length: number): Uint8Array;
}

/**
 * The trace tool module (built by scripts/web-tool.sh as `wthreads-tool.wasm` beside
 * `wthreads.mjs`): instruments a module for tracing, converts raw traces, draws the timeline
 * and checks a run as it goes.
 */
export declare class Tool {
  /** Loads it from `source` (`wthreads-tool.wasm` beside `wthreads.mjs` if not given). */
  static load(source?: ToolSource): Promise<Tool>;
  /** The trace formats it writes. */
  formats(): Promise<TraceFormat[]>;
  /** Writes the raw trace `input` as format `name` to `out`, its side file to `side`. */
  convert(input: ToolInput, name: string, out: (chunk: Uint8Array) => void, side: (chunk: Uint8Array) => void): Promise<void>;
  /** Writes the timeline page (HTML) of the raw trace `input` to `out`. */
  timeline(input: ToolInput, out: (chunk: Uint8Array) => void): Promise<void>;
}

/** A tool input over bytes in memory. */
export declare function bytesInput(bytes: Uint8Array): ToolInput;

/** The `trace` option: what `wthreads trace` and `wthreads check` do, in a page. */
export interface TraceOptions {
  /** Record every access of the shared memory too (needs multi-memory: Node 22, Chromium 120). */
  memory?: boolean;
  /** Receives the raw trace's bytes, in order, as the program runs. */
  write?: (bytes: Uint8Array) => void;
  /** Checks the run as it goes and receives each report's bytes as it is found. */
  check?: (bytes: Uint8Array) => void;
  /** The tool module, or where to load it from. */
  tool?: Tool | ToolSource;
}

/** The options of `Runtime.create` (and of `run`). */
export interface RuntimeOptions {
  /** Live threads besides main (`DEFAULT_MAX_THREADS`); each is a worker. */
  maxThreads?: number;
  /** Workers started up front (4); the pool grows on demand. */
  poolSize?: number;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  /** Each thread that trapped or panicked. */
  onAbort?: (abort: Abort) => void;
  /** Every event; without listeners no events are sent at all. */
  onEvent?: (event: ThreadEvent) => void;
  /** A listener per event. */
  on?: {
    spawn?: (event: SpawnEvent) => void;
    join?: (event: JoinEvent) => void;
    exit?: (event: ExitEvent) => void;
  };
  /** Records the run's trace, or checks it (docs/trace.md, docs/check.md). */
  trace?: TraceOptions;
  /**
   * For a module made by `wasm-bindgen --target web` from a patched module: where its
   * JavaScript glue is (`NAME.js`, beside `NAME_bg.wasm`). Every worker then runs the module
   * through a glue of its own, and `call` calls the glue's functions with any values a message
   * can carry.
   */
  bindgen?: string | URL;
}

/** The options of `run`: a `Runtime`'s, and the call to make. */
export interface RunOptions extends RuntimeOptions {
  /** The export to call ('main'). */
  invoke?: string;
  /** Its arguments: numbers (i32, f32, f64) or BigInts (i64); none, or (0, 0) for a C-style `main(argc, argv)`, if not given. */
  args?: Array<number | bigint>;
}

/** What a run's trace came to: the raw trace, or what its check reported. */
export interface Recorded {
  /** The raw trace, for a traced run without `trace.write` or `trace.check`. */
  trace?: Uint8Array;
  /** The summary of what `trace.check` reported, or null. */
  check?: string | null;
  /** Milliseconds the check took after the program ended. */
  checkEndMs?: number;
}

/** A block of guest memory: its address and length in bytes. */
export interface GuestBytes {
  ptr: number;
  len: number;
}

/**
 * A patched module kept running for many calls: compiled once, its memory, thread pool,
 * threads, statics and thread-locals kept from one call to the next. Calls run one after
 * another on the program's main thread, a worker, so the page never blocks.
 */
export declare class Runtime {
  /** Use `Runtime.create`. */
  private constructor();
  /**
   * Compiles and instantiates the module and starts its worker pool. Rejects with a
   * `WthreadsError` (`'module'`) for a module that cannot run.
   */
  static create(wasm: Uint8Array | ArrayBuffer, options?: RuntimeOptions): Promise<Runtime>;
  /** The program's shared memory. */
  readonly memory: WebAssembly.Memory;
  /** Whether it has ended: closed, or a call trapped or deadlocked. */
  readonly closed: boolean;
  /**
   * Calls export `name` after every earlier call; resolves to what it returned (a BigInt for
   * i64). A trap or deadlock in the call ends the runtime.
   */
  call(name: string, ...args: Array<number | bigint>): Promise<number | bigint | undefined>;
  /** A glue function's call, for a runtime made with `bindgen`: any values a message can carry. */
  call(name: string, ...args: unknown[]): Promise<unknown>;
  /** Allocates `size` bytes aligned to `align` (1) with the program's allocator; resolves to the address. */
  alloc(size: number, align?: number): Promise<number>;
  /** Frees what `alloc(size, align)` returned. */
  free(ptr: number, size: number, align?: number): Promise<void>;
  /** Copies bytes into a new block of guest memory (free it with `free(ptr, len)`). */
  writeBytes(bytes: ArrayBufferView | ArrayBuffer): Promise<GuestBytes>;
  /** Copies a string, UTF-8 encoded, into a new block of guest memory (free it with `free(ptr, len)`). */
  writeString(text: string): Promise<GuestBytes>;
  /** A copy of `len` bytes of guest memory at `ptr`. */
  readBytes(ptr: number, len: number): Uint8Array;
  /** The UTF-8 text of `len` bytes of guest memory at `ptr`. */
  readString(ptr: number, len: number): string;
  /**
   * Ends it: every worker is terminated, threads still running stop, calls still running are
   * rejected (`'closed'`). Resolves to what its trace came to.
   */
  close(): Promise<Recorded>;
}

/** What a run that returned gives. */
export interface RunResult extends Recorded {
  /** The export's result as an exit status (0 for none). */
  code: number;
  /** The export's result as returned (a BigInt for i64). */
  value: number | bigint | undefined;
  /** The time the call took inside its worker. */
  elapsedMs: number;
  /** The guest's shared memory, to read results out of. */
  memory: WebAssembly.Memory;
}

/** The default limit of live threads besides main (256). */
export declare const DEFAULT_MAX_THREADS: number;

/** Throws a `WthreadsError` naming the fix if shared memory is unavailable (a page not cross-origin isolated). */
export declare function checkIsolation(): void;

/**
 * Runs export `invoke` of a patched module once, in a `Runtime` made for it and closed after:
 * one worker per guest thread. Rejects with a `WthreadsError` for a module that cannot run, a
 * trap or a deadlock.
 */
export declare function run(wasm: Uint8Array | ArrayBuffer, options?: RunOptions): Promise<RunResult>;
