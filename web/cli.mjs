#!/usr/bin/env node
// `node web/cli.mjs run FILE.wasm [--invoke NAME] [--max-threads N] [--trace-locks] [--trace-events]`:
// runs a patched guest on the web runtime in Node, with the exit codes and output of the native
// `wthreads run`. `--trace-events` prints every spawn, join, exit, lock event and abort to stderr.
import { readFileSync } from 'node:fs';
import { run, WthreadsError, abi } from './wthreads.mjs';
import { formatAbort, formatEvent } from './trace.mjs';

const usage = 'usage: node web/cli.mjs run FILE.wasm [--invoke NAME] [--max-threads N] [--trace-locks] [--trace-events]';
const fail = (msg) => {
  process.stderr.write(`wthreads: ${msg}\n`);
  process.exit(abi.EXIT_MODULE);
};

const [cmd, file, ...rest] = process.argv.slice(2);
if (cmd !== 'run' || !file) fail(usage);
const options = { invoke: 'main' };
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--invoke' && rest[i + 1]) options.invoke = rest[++i];
  else if (rest[i] === '--max-threads' && /^\d+$/.test(rest[i + 1] ?? '')) options.maxThreads = Number(rest[++i]);
  else if (rest[i] === '--trace-locks') options.on = { lock: trace };
  else if (rest[i] === '--trace-events') {
    options.onEvent = trace;
    options.onAbort = (a) => process.stderr.write(`${formatAbort(a)}\n`);
  } else fail(`unknown argument \`${rest[i]}\`\n${usage}`);
}
function trace(e) {
  process.stderr.write(`${formatEvent(e)}\n`);
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
    process.stderr.write(`wthreads: ${file}: the invoked function trapped: ${e.message}\n`);
    process.exitCode = abi.EXIT_TRAP;
  } else fail(`${file}: ${e.message}`);
}
