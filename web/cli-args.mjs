// The command line shared by `node web/cli.mjs` and `node web/tools/browser-run.mjs`:
// `run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]` and
// `trace FILE.wasm [run options] [-o PATH] [--format F] [--memory] [--html PATH]` and `check
// FILE.wasm [run options]`, plus options of their own.
import { EXIT_MODULE } from './abi.mjs';

/**
 * Makes a closed or broken stdout/stderr (`… 2>&1 | head -n 1`) harmless: output that cannot
 * be written is dropped, and the program still ends with its own exit status (as the native
 * host does), instead of dying of an unhandled EPIPE.
 */
export function ignoreBrokenPipes() {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}

/** Prints `wthreads: MSG` and exits with the unusable-module status, as `wthreads run` does. */
export function fail(msg) {
  process.stderr.write(`wthreads: ${msg}\n`);
  process.exit(EXIT_MODULE);
}

/** An `--arg` value: an i32, as `wthreads run` takes it. */
function i32Arg(value) {
  const n = Number(value);
  if (!/^-?\d+$/.test(value ?? '') || n !== (n | 0)) fail('--arg needs an i32 number');
  return n;
}

/**
 * Parses `argv` (without node and the script): `run FILE [run options]`, or `trace FILE [run
 * options] [trace options]` and `check FILE [run options]` if `trace` is allowed. `numeric` names extra options that take a
 * number (`{ '--timeout': 'timeout' }`). Returns `{ command, file, invoke, args, maxThreads,
 * traceEvents, ...extras }` (`args`: the `--arg` integers, as `wthreads run` passes them to the
 * invoked export), and for `trace` also `{ output, format, memory, html }` (`format`: a name,
 * checked against the tool's list later); on a bad command line prints `usage` and exits with
 * status 2.
 */
export function parseRunArgs(argv, usage, numeric = {}, { trace = false } = {}) {
  const [command, file, ...rest] = argv;
  if (!(command === 'run' || (trace && ['trace', 'check'].includes(command))) || !file) fail(usage);
  const args = { command, file, invoke: 'main', args: [], traceEvents: false };
  const tracing = command === 'trace';
  if (tracing) Object.assign(args, { output: null, format: 'perfetto', memory: false, html: null });
  for (let i = 0; i < rest.length; i++) {
    const value = rest[i + 1] ?? '';
    const number = /^\d+$/.test(value);
    if (rest[i] === '--invoke' && value) args.invoke = rest[++i];
    else if (rest[i] === '--max-threads' && number) args.maxThreads = Number(rest[++i]);
    else if (rest[i] === '--arg') args.args.push(i32Arg(rest[++i]));
    else if (rest[i] === '--trace-events') args.traceEvents = true;
    else if (numeric[rest[i]] && number) args[numeric[rest[i]]] = Number(rest[++i]);
    else if (tracing && (rest[i] === '-o' || rest[i] === '--output') && value) args.output = rest[++i];
    else if (tracing && rest[i] === '--format' && value) args.format = rest[++i];
    else if (tracing && rest[i] === '--html' && value) args.html = rest[++i];
    else if (tracing && rest[i] === '--memory') args.memory = true;
    else fail(`unknown argument \`${rest[i]}\`\n${usage}`);
  }
  return args;
}
