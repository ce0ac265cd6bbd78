#!/usr/bin/env node
// `node web/cli.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]`:
// runs a patched guest on the web runtime in Node, with the exit codes and output of the native
// `wthreads run`. `--trace-events` prints every spawn, join, exit and abort to stderr.
//
// `node web/cli.mjs trace FILE.wasm [run options] [-o PATH] [--format perfetto|rapid|raw|text]
// [--memory] [--html PATH]`: runs it the same way and writes its trace, as `wthreads trace`
// does (docs/trace.md). `node web/cli.mjs check FILE.wasm [run options]`: runs it with every
// memory access recorded and reports its data races and lock-order inversions, as `wthreads
// check` does (docs/check.md).
// The tool module they need is built by scripts/web-tool.sh (or named by WTHREADS_TOOL).
import { openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { run, WthreadsError, abi } from './wthreads.mjs';
import { formatAbort, formatEvent } from './trace/lines.mjs';
import { checkPlan, checkTrace, tracePlan, writeOutputs } from './trace/files.mjs';
import { fail, ignoreBrokenPipes, parseRunArgs } from './cli-args.mjs';

ignoreBrokenPipes();
const usage =
  'usage: node web/cli.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]\n' +
  '       node web/cli.mjs trace FILE.wasm [run options] [-o PATH] [--format perfetto|rapid|raw|text] [--memory] [--html PATH]\n' +
  '       node web/cli.mjs check FILE.wasm [run options]';
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
// `trace` and `check`: the raw trace is written to a file while the program runs.
const checking = cli.command === 'check';
const planned = { trace: () => tracePlan(cli), check: checkPlan }[cli.command];
const plan = planned ? await planned().catch((e) => fail(e.message)) : null;
let raw = null;
if (plan) {
  try {
    raw = openSync(plan.raw, 'w');
  } catch (e) {
    fail(`cannot write ${plan.raw}: ${e.message}`);
  }
  options.trace = { memory: checking || cli.memory, tool: plan.tool, write: (b) => writeSync(raw, b) };
}
/**
 * Closes the raw trace; if the program ran, converts it (`trace`) or reports what `check`
 * finds (resolves to `EXIT_RACE` if it found anything), else removes it.
 */
async function finishTrace(ran) {
  if (raw === null) return null;
  closeSync(raw);
  if (!ran) return unlinkSync(plan.raw) ?? null;
  if (checking) {
    const summary = await checkTrace(plan, (c) => process.stderr.write(c)).catch((e) => fail(`cannot analyse the run: ${e.message}`));
    if (summary === null) return null;
    process.stderr.write(`wthreads check: ${summary}\n`);
    return abi.EXIT_RACE;
  }
  try {
    await writeOutputs(plan);
  } catch (e) {
    fail(`cannot write the trace: ${e.message}`);
  }
  return null;
}

try {
  const { code } = await run(bytes, {
    ...options,
    onStdout: (t) => process.stdout.write(t),
    onStderr: (t) => process.stderr.write(t),
  });
  process.exitCode = (await finishTrace(true)) ?? code & 0xff;
} catch (e) {
  if (!(e instanceof WthreadsError)) throw e;
  const status = await finishTrace(e.kind === 'trap' || e.kind === 'deadlock');
  if (e.kind === 'deadlock') {
    process.stderr.write(e.message);
    process.exitCode = status ?? abi.EXIT_DEADLOCK;
  } else if (e.kind === 'trap') {
    process.stderr.write(`wthreads: ${file}: \`${invoke}\` did not return: ${e.message}\n`);
    process.exitCode = status ?? abi.EXIT_TRAP;
  } else fail(`${file}: ${e.message}`);
}
