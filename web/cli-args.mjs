// The command line shared by `node web/cli.mjs` and `node web/tools/browser-run.mjs`:
// `run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]` and
// `trace FILE.wasm [run options] [-o PATH] [--format F] [--memory] [--html PATH]` and `check
// FILE.wasm [run options]`, plus options of their own.
import { parseArgs } from 'node:util';
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
  if (!/^-?\d+$/.test(value) || n !== (n | 0)) fail(`--arg needs an i32 number, not \`${value}\``);
  return n;
}

/** A count option's value (`--max-threads`, extras): a whole number. */
function count(flag, value) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) fail(`--${flag} needs a whole number, not \`${value}\``);
  return Number(value);
}

/**
 * Parses `argv` (without node and the script) with `util.parseArgs`: `run FILE [run options]`,
 * or `trace FILE [run options] [trace options]` and `check FILE [run options]` if `trace` is
 * allowed. `numeric` names extra options that take a number (`{ '--timeout': 'timeout' }`).
 * Returns `{ command, file, invoke, args, maxThreads, traceEvents, ...extras }` (`args`: the
 * `--arg` integers, as `wthreads run` passes them to the invoked export, negative ones too), and
 * for `trace` also `{ output, format, memory, html }` (`format`: a name, checked against the
 * tool's list later); on a bad command line prints what is wrong and `usage`, and exits with
 * status 2.
 */
export function parseRunArgs(argv, usage, numeric = {}, { trace = false } = {}) {
  const [command, file, ...rest] = argv;
  if (!(command === 'run' || (trace && ['trace', 'check'].includes(command))) || !file) fail(usage);
  const tracing = command === 'trace';
  const options = {
    invoke: { type: 'string', default: 'main' },
    arg: { type: 'string', multiple: true, default: [] },
    'max-threads': { type: 'string' },
    'trace-events': { type: 'boolean', default: false },
    ...Object.fromEntries(Object.keys(numeric).map((flag) => [flag.replace(/^--/, ''), { type: 'string' }])),
    ...(tracing
      ? {
          output: { type: 'string', short: 'o' },
          format: { type: 'string', default: 'perfetto' },
          memory: { type: 'boolean', default: false },
          html: { type: 'string' },
        }
      : {}),
  };
  // `--arg -5` as `wthreads run` takes it: parseArgs reads a value that starts with `-` only
  // when it is joined to its option.
  const joined = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--arg' && /^-\d/.test(rest[i + 1] ?? '')) joined.push(`--arg=${rest[++i]}`);
    else joined.push(rest[i]);
  }
  let values;
  try {
    ({ values } = parseArgs({ args: joined, options, strict: true, allowPositionals: false }));
  } catch (e) {
    fail(`${e.message}\n${usage}`);
  }
  const parsed = {
    command,
    file,
    invoke: values.invoke,
    args: values.arg.map(i32Arg),
    maxThreads: count('max-threads', values['max-threads']),
    traceEvents: values['trace-events'],
  };
  for (const [flag, name] of Object.entries(numeric)) {
    const value = count(flag.replace(/^--/, ''), values[flag.replace(/^--/, '')]);
    if (value !== undefined) parsed[name] = value;
  }
  if (tracing) Object.assign(parsed, { output: values.output ?? null, format: values.format, memory: values.memory, html: values.html ?? null });
  return parsed;
}
