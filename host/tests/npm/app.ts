// A program that uses the `wthreads` package as an application would, installed from its packed
// tarball: type-checked by `tsc --strict` against the package's declarations, then run in Node
// by host/tests/npm.rs. `node app.js MODULE` runs MODULE's programs and prints what it saw as
// JSON.
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_THREADS, EVENTS, Runtime, Tool, WthreadsError, abi, bytesInput, checkIsolation, run } from 'wthreads';
import type { GuestBytes, RunOptions, RunResult, ThreadEvent, TraceFormat } from 'wthreads';

const bytes = readFileSync(process.argv[2]);
checkIsolation();

// A run with every event listened to.
const events: ThreadEvent[] = [];
let stdout = '';
const options: RunOptions = {
  invoke: 'test_spawn_join_value',
  maxThreads: DEFAULT_MAX_THREADS,
  onEvent: (e) => events.push(e),
  onStdout: (text) => (stdout += text),
};
const result: RunResult = await run(bytes, options);

// A traced run, converted by the tool module the package carries.
const tool = await Tool.load();
const formats: TraceFormat[] = await tool.formats();
const traced = await run(bytes, { invoke: 'test_spawn_join_value', trace: { tool } });
let text = '';
const decoder = new TextDecoder();
await tool.convert(bytesInput(traced.trace ?? new Uint8Array()), 'text', (c) => (text += decoder.decode(c, { stream: true })), () => {});

// A racy program checked as it runs.
let report = '';
const quiet = { onStdout: () => {}, onStderr: () => {} };
const checked = await run(bytes, { invoke: 'test_racy_counter', ...quiet, trace: { check: (c) => (report += decoder.decode(c)) } });

// A program that deadlocks.
let failed: string | null = null;
try {
  await run(bytes, { invoke: 'deadlock_abba', ...quiet });
} catch (e) {
  if (!(e instanceof WthreadsError)) throw e;
  failed = e.kind;
}

// One runtime, many calls: a string in, its upper case out through a block the guest allocated.
const rt: Runtime = await Runtime.create(bytes, { poolSize: 2 });
const total = await rt.call('calls_add', 2);
const again = await rt.call('calls_add', 3);
const input: GuestBytes = await rt.writeString('typed');
const out = await rt.alloc(8, 4);
await rt.call('calls_shout', input.ptr, input.len, out);
const [at, len] = new Uint32Array(rt.readBytes(out, 8).buffer);
const shouted = rt.readString(at, len);
await rt.free(at, len);
await rt.close();

const counts = Object.fromEntries(EVENTS.map((name) => [name, events.filter((e) => e.event === name).length]));
console.log(
  JSON.stringify({
    code: result.code,
    events: counts,
    formats: formats.map((f) => f.name),
    traceLines: text.split('\n').length,
    check: checked.check,
    reported: report.includes('WARNING: data race'),
    raceStatus: abi.EXIT_RACE,
    failed,
    totals: [String(total), String(again)],
    shouted,
  }),
);
