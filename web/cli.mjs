#!/usr/bin/env node
// `node web/cli.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]`:
// runs a patched guest on the web runtime in Node, with the exit codes and output of the native
// `wthreads run`. `--trace-events` prints every spawn, join, exit and abort to stderr.
import { readFileSync } from 'node:fs';
import { run, WthreadsError, abi } from './wthreads.mjs';
import { formatAbort, formatEvent } from './trace.mjs';
import { fail, ignoreBrokenPipes, parseRunArgs } from './cli-args.mjs';

ignoreBrokenPipes();
const usage = 'usage: node web/cli.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]';
const { file, invoke, args, maxThreads, traceEvents } = parseRunArgs(process.argv.slice(2), usage);
const trace = (e) => process.stderr.write(`${formatEvent(e)}\n`);
const options = { invoke, maxThreads };
if (args.length > 0) options.args = args;
if (traceEvents) {
  options.onEvent = trace;
  options.onAbort = (a) => process.stderr.write(`${formatAbort(a)}\n`);
}

let bytes;
try {
  bytes = readFileSync(file);
} catch (e) {
  fail(`${file}: ${e.message}`);
}
try {
  const { code } = await run(bytes, {
    ...options,
    onStdout: (t) => process.stdout.write(t),
    onStderr: (t) => process.stderr.write(t),
  });
  process.exitCode = code & 0xff;
} catch (e) {
  if (!(e instanceof WthreadsError)) throw e;
  if (e.kind === 'trap') {
    process.stderr.write(`wthreads: ${file}: \`${invoke}\` did not return: ${e.message}\n`);
    process.exitCode = abi.EXIT_TRAP;
  } else fail(`${file}: ${e.message}`);
}
