// The constants of the runtime API (docs/abi.md); mirrors src/abi.rs.
export const ABI_VERSION = 2;
export const MAIN_THREAD_ID = 1;
export const JOIN_RETURNED = 0;
export const JOIN_TRAPPED = 1;
export const WAIT_WOKEN = 0;
export const WAIT_NOT_EQUAL = 1;
export const WAIT_TIMED_OUT = 2;
export const WAKE_ALL = 4294967295;
export const NO_TIMEOUT = -1;
export const NO_WAIT_CONTEXT = -1;
/** The events that say what a thread's next wait is for (`wthreads::abi::WAIT_CONTEXT_EVENTS`). */
export const WAIT_CONTEXT_EVENTS = [0, 32, 40, 56];
export const OWNER_AT_THREAD_POINTER = 4;
export const MUTEX_CONTENDED = 2147483648;
export const FD_STDOUT = 1;
export const FD_STDERR = 2;
export const EVENT_MASK = 255;
export const LOCK_ACQUIRE_STARTED = 0;
export const LOCK_ACQUIRED = 1;
export const LOCK_RELEASED = 2;
export const LOCK_TRY_FAILED = 3;
export const LOCK_SHARED = 256;
export const LOCK_INTERNAL = 512;
export const LOCK_RWLOCK = 1024;
export const FUTEX_WAIT = 16;
export const FUTEX_WAITED = 17;
export const FUTEX_WAKE = 18;
export const CONDVAR_WAIT = 32;
export const CONDVAR_WOKEN = 33;
export const CONDVAR_NOTIFY = 34;
export const BARRIER_WAIT = 40;
export const BARRIER_PASSED = 41;
export const ONCE_RUN = 48;
export const ONCE_DONE = 49;
export const ONCE_WAITED = 50;
export const CHAN_SEND = 64;
export const CHAN_RECV = 65;
export const PARK = 56;
export const UNPARKED = 57;
export const UNPARK = 58;
export const THREAD_SPAWN = 128;
export const THREAD_START = 129;
export const THREAD_EXIT = 130;
export const THREAD_JOIN = 131;
export const THREAD_DETACH = 132;
export const MEMORY_ACCESS = 133;
export const MEMORY_ATOMIC = 134;
export const MEMORY_LAYOUT = 135;
export const HEAP_ALLOC = 136;
export const HEAP_FREE = 137;
export const ERR_NO_SUCH_THREAD = -1;
export const ERR_JOIN_SELF = -2;
export const ERR_ALREADY_JOINED = -3;
export const ERR_THREAD_LIMIT = -4;
export const ERR_OUT_OF_BOUNDS = -5;
export const ERR_MISALIGNED = -6;
export const ERR_BAD_FD = -7;
export const ERR_SPAWN_FAILED = -8;
export const ERR_INVALID_ARGUMENT = -9;
export const EXIT_TRAP = 101;
export const EXIT_MODULE = 2;
/** `check`: it reported a data race (`wthreads_host::EXIT_RACE`, Go's race detector's). */
export const EXIT_RACE = 66;
/** Every live thread was blocked for good (`wthreads_host::EXIT_DEADLOCK`). */
export const EXIT_DEADLOCK = 102;

/** The functions of import module `wthreads` and their types (`host/src/imports.rs`). */
export const IMPORTS = {
  thread_spawn: '(i32, i32, i32, i32, i32, i32, i32) -> (i32)',
  thread_join: '(i32, i32, i32, i32) -> (i32)',
  thread_detach: '(i32) -> (i32)',
  thread_yield: '() -> ()',
  available_parallelism: '() -> (i32)',
  wait32: '(i32, i32, i64) -> (i32)',
  wake: '(i32, i32) -> (i32)',
  abort: '(i32, i32) -> ()',
  write: '(i32, i32, i32) -> (i32)',
  clock_ns: '() -> (i64)',
  wait_watched: '(i32, i32, i32, i32, i32) -> (i32)',
};

/** The module of the functions a tracing host provides (`wthreads::abi::TRACE_MODULE`). */
export const TRACE_MODULE = 'wthreads_trace';
/** Its functions and their types (`wthreads::abi::TRACE_IMPORTS`, docs/trace.md). */
export const TRACE_IMPORTS = {
  event: '(i32, i32, i32, i64, i32) -> ()',
  at: '(i32) -> ()',
  flush: '(i32) -> ()',
};
/** The shared memory a module instrumented with `--memory` imports from it: the order counter. */
export const TRACE_ORDER_MEMORY = 'order';
/** The exports of a module instrumented with `--memory`: its access buffer and cursor. */
export const EXPORT_TRACE_BUFFER = 'wthreads_trace_buffer';
export const EXPORT_TRACE_CURSOR = 'wthreads_trace_cursor';
/** The linker's exports (globals) a tracing host records in MEMORY_LAYOUT. */
export const EXPORT_STACK_POINTER = '__stack_pointer';
export const EXPORT_DATA_END = '__data_end';

/** The exports a host calls, with their types (`wthreads::abi::EXPORTS`). */
export const EXPORTS = {
  wthreads_abi_version: '() -> (i32)',
  wthreads_thread_start: '(i32, i32, i32, i32) -> ()',
};

/** wasm-bindgen's names (`wthreads::abi`): its import module before it ran, how the import
 * module of its glue ends, and the start function it adds. */
export const BINDGEN_PLACEHOLDER_MODULE = '__wbindgen_placeholder__';
export const BINDGEN_GLUE_SUFFIX = '_bg.js';
export const EXPORT_BINDGEN_START = '__wbindgen_start';

/** The exports a host allocates in the guest's memory with (`wthreads::abi::ALLOC_EXPORTS`). */
export const ALLOC_EXPORTS = {
  wthreads_alloc: '(i32, i32) -> (i32)',
  wthreads_free: '(i32, i32, i32) -> ()',
};

/** How many parameters a function type of the tables above has: `(i32, i64) -> ()` has 2. */
export function paramCount(type) {
  return type.slice(1, type.indexOf(')')).split(', ').filter((p) => p !== '').length;
}

/** The text of an error code, as `wthreads::abi::error_name` gives it. */
export function errorName(code) {
  return (
    {
      [ERR_NO_SUCH_THREAD]: 'no such thread',
      [ERR_JOIN_SELF]: 'a thread cannot join itself',
      [ERR_ALREADY_JOINED]: 'thread already joined',
      [ERR_THREAD_LIMIT]: 'thread limit reached',
      [ERR_OUT_OF_BOUNDS]: 'address out of bounds',
      [ERR_MISALIGNED]: 'misaligned address',
      [ERR_BAD_FD]: 'bad file descriptor',
      [ERR_SPAWN_FAILED]: 'the host could not create a thread',
      [ERR_INVALID_ARGUMENT]: 'invalid argument',
    }[code] ?? 'unknown error'
  );
}
