#!/usr/bin/env node
// `node web/cli.mjs run FILE.wasm [--invoke NAME] [--max-threads N] [--trace-locks]`: runs a patched guest on
// the web runtime in Node, with the exit codes and output of the native `wthreads run`.
import { readFileSync } from 'node:fs';
import { run, WthreadsError, abi } from './wthreads.mjs';

const usage = 'usage: node web/cli.mjs run FILE.wasm [--invoke NAME] [--max-threads N] [--trace-locks]';
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
  else if (rest[i] === '--trace-locks') options.onEvent = traceLock;
  else fail(`unknown argument \`${rest[i]}\`\n${usage}`);
}
/** Prints lock events as the native host's `--trace-locks` does. */
function traceLock(e) {
  if (e.event !== 'lock') return;
  const what = ['acquire-started', 'acquired', 'released'][e.lock] ?? `event-${e.lock}`;
  process.stderr.write(`[lock] thread ${e.tid} ${what} 0x${e.addr.toString(16)}\n`);
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
