// The web runtime of wthreads: runs a patched guest module in browsers and Node, one Web
// Worker (worker_threads in Node) per guest thread, over one shared WebAssembly.Memory. The
// page never blocks: the program's entry runs in a worker too.
//
//   import { run, Runtime } from 'wthreads';
//   const { code } = await run(bytes, { invoke: 'main', onStdout: (text) => ..., onEvent: (e) => ... });
//   const rt = await Runtime.create(bytes);   // or many calls over one memory and pool
//   const sum = await rt.call('sum', 1, 2);
//   await rt.close();
import { WthreadsError } from './error.mjs';
import { Runtime, checkArgs, timedCall } from './runtime.mjs';

export * as abi from './abi.mjs';
export { WthreadsError } from './error.mjs';
export { checkIsolation } from './module-check.mjs';
export { DEFAULT_MAX_THREADS, EVENTS, Runtime } from './runtime.mjs';
export { Tool, bytesInput } from './trace/tool.mjs';

/**
 * Runs the export `invoke` of a patched module (bytes) once, in a `Runtime` made for it and
 * closed after (`Runtime` keeps one for many calls). Resolves, once it
 * returned and all its output was delivered, to `{ code, value, elapsedMs, memory }`: the
 * export's result as an exit status (`code`, 0 for none) and as returned (`value`, a BigInt
 * for i64), the time the call took inside its worker, and the shared `WebAssembly.Memory`
 * (to read results such as an image out of the guest). Rejects with a `WthreadsError` for an
 * unusable module (`kind: 'module'`) or a trap in the entry (`kind: 'trap'`).
 *
 * Options: `invoke` ('main'), `args` (the export's arguments; default none, or (0, 0) for a
 * C-style `main(argc, argv)`), and those of `Runtime.create`: `maxThreads`, `poolSize`,
 * `onStdout(text)`, `onStderr(text)`, `onAbort({tid, name, message})` for each thread that
 * trapped or panicked, and the event listeners: `on: { spawn, join, exit }` (a function per
 * event) and `onEvent(event)` (all events). Events are objects `{event, tid, ...}`:
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
  const { invoke = 'main', args, ...rest } = options;
  if (args !== undefined) {
    if (!Array.isArray(args)) throw new TypeError('wthreads: `args` must be an array of numbers (i32, f32, f64) or BigInts (i64)');
    checkArgs(args);
  }
  const rt = await Runtime.create(wasm, rest);
  let ran;
  try {
    ran = await rt[timedCall](invoke, args);
  } catch (e) {
    // A trap or deadlock ended the runtime (the error has the trace); a refused call did not.
    await rt.close().catch(() => {});
    throw e;
  }
  const recorded = await rt.close();
  const { value, elapsedMs } = ran;
  const code = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(BigInt.asIntN(32, value)) : 0;
  return { code, value, elapsedMs, memory: rt.memory, ...recorded };
}
