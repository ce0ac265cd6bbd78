#!/usr/bin/env node
// `node web/cli.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]`:
// runs a patched guest on the web runtime in Node, with the exit codes and output of the native
// `wthreads run`. `--trace-events` prints every spawn, join, exit and abort to stderr.
//
// `node web/cli.mjs trace FILE.wasm [run options] [-o PATH] [--format perfetto|rapid|raw|text]
// [--memory] [--html PATH]`: runs it the same way and writes its trace, as `wthreads trace`
// does (docs/trace.md). The tool module it needs is built by scripts/web-tool.sh (or named by
// WTHREADS_TOOL).
import { openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { run, WthreadsError, abi } from './wthreads.mjs';
import { formatAbort, formatEvent } from './trace/lines.mjs';
import { tracePlan, writeOutputs } from './trace/files.mjs';
import { fail, ignoreBrokenPipes, parseRunArgs } from './cli-args.mjs';

ignoreBrokenPipes();
const usage =
  'usage: node web/cli.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]\n' +
  '       node web/cli.mjs trace FILE.wasm [run options] [-o PATH] [--format perfetto|rapid|raw|text] [--memory] [--html PATH]';
const cli = parseRunArgs(process.argv.slice(2), usage, {}, { trace: true });
const { file, invoke, args, maxThreads, traceEvents } = cli;
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
// `trace`: the raw trace is written to a file while the program runs.
const plan = cli.command === 'trace' ? await tracePlan(cli).catch((e) => fail(e.message)) : null;
let raw = null;
if (plan) {
  try {
    raw = openSync(plan.raw, 'w');
  } catch (e) {
    fail(`cannot write ${plan.raw}: ${e.message}`);
  }
  options.trace = { memory: cli.memory, tool: plan.tool, write: (b) => writeSync(raw, b) };
}
/** Closes the raw trace; converts it if the program ran, else removes it. */
async function finishTrace(ran) {
  if (raw === null) return;
  closeSync(raw);
  if (!ran) return unlinkSync(plan.raw);
  try {
    await writeOutputs(plan);
  } catch (e) {
    fail(`cannot write the trace: ${e.message}`);
  }
}

try {
  const { code } = await run(bytes, {
    ...options,
    onStdout: (t) => process.stdout.write(t),
    onStderr: (t) => process.stderr.write(t),
  });
  await finishTrace(true);
  process.exitCode = code & 0xff;
} catch (e) {
  if (!(e instanceof WthreadsError)) throw e;
  await finishTrace(e.kind === 'trap');
  if (e.kind === 'trap') {
    process.stderr.write(`wthreads: ${file}: \`${invoke}\` did not return: ${e.message}\n`);
    process.exitCode = abi.EXIT_TRAP;
  } else fail(`${file}: ${e.message}`);
}
