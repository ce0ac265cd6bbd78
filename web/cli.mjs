#!/usr/bin/env node
// `node web/cli.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]`:
// runs a patched guest on the web runtime in Node, with the exit codes and output of the native
// `wthreads run`. `--trace-events` prints every spawn, join, exit and abort to stderr.
//
// `node web/cli.mjs trace FILE.wasm [run options] [-o PATH] [--format perfetto|rapid|raw|text]
// [--memory] [--html PATH]`: runs it the same way and writes its trace, as `wthreads trace`
// does (docs/trace.md). `node web/cli.mjs check FILE.wasm [run options]`: runs it with every
// memory access recorded and checked as it goes, and reports its data races as they are found
// and its lock-order inversions at the end, as `wthreads check` does (docs/check.md).
// The tool module they need is built by scripts/web-tool.sh (or named by WTHREADS_TOOL).
import { openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { run, WthreadsError, abi } from './wthreads.mjs';
import { formatAbort, formatEvent } from './trace/lines.mjs';
import { loadTool, tracePlan, writeOutputs } from './trace/files.mjs';
import { fail, ignoreBrokenPipes, parseRunArgs } from './cli-args.mjs';

ignoreBrokenPipes();
// The command as it was run: `node web/cli.mjs`, or the package's `wthreads-node`.
const me = basename(process.argv[1] ?? '') === 'cli.mjs' ? 'node web/cli.mjs' : basename(process.argv[1]);
const usage =
  `usage: ${me} run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]\n` +
  `       ${me} trace FILE.wasm [run options] [-o PATH] [--format perfetto|rapid|raw|text] [--memory] [--html PATH]\n` +
  `       ${me} check FILE.wasm [run options]`;
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
// `trace`: the raw trace is written to a file while the program runs. `check`: the run is
// checked as it goes, each report written to stderr as it is found.
const planned = { trace: () => tracePlan(cli), check: loadTool }[cli.command];
const plan = planned ? await planned().catch((e) => fail(e.message)) : null;
let raw = null;
if (cli.command === 'check') options.trace = { tool: plan.tool, check: (c) => process.stderr.write(c) };
if (cli.command === 'trace') {
  try {
    raw = openSync(plan.raw, 'w');
  } catch (e) {
    fail(`cannot write ${plan.raw}: ${e.message}`);
  }
  options.trace = { memory: cli.memory, tool: plan.tool, write: (b) => writeSync(raw, b) };
}
/**
 * Ends what `check` or `trace` make of a run that ended with `result` (or its error): the
 * summary of `check` (resolves to `EXIT_RACE` if it reported anything); for `trace`, closes the
 * raw trace and, if the program ran, converts it, else removes it.
 */
async function finishTrace(ran, result) {
  if (result?.check) {
    process.stderr.write(`wthreads check: ${result.check}\n`);
    return abi.EXIT_RACE;
  }
  if (raw === null) return null;
  closeSync(raw);
  if (!ran) return unlinkSync(plan.raw) ?? null;
  try {
    await writeOutputs(plan);
  } catch (e) {
    fail(`cannot write the trace: ${e.message}`);
  }
  return null;
}

try {
  const result = await run(bytes, {
    ...options,
    onStdout: (t) => process.stdout.write(t),
    onStderr: (t) => process.stderr.write(t),
  });
  process.exitCode = (await finishTrace(true, result)) ?? result.code & 0xff;
} catch (e) {
  if (!(e instanceof WthreadsError)) throw e;
  const status = await finishTrace(e.kind === 'trap' || e.kind === 'deadlock', e);
  if (e.kind === 'deadlock') {
    process.stderr.write(e.message);
    process.exitCode = status ?? abi.EXIT_DEADLOCK;
  } else if (e.kind === 'trap') {
    process.stderr.write(`wthreads: ${file}: \`${invoke}\` did not return: ${e.message}\n`);
    process.exitCode = status ?? abi.EXIT_TRAP;
  } else fail(`${file}: ${e.message}`);
}
