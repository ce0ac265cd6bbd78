// What tracing costs the web runtime, as same-run ratios on the benchmark suite's workloads (the
// exports of guest-tests/bench, which time themselves): each row runs untraced (`run`), traced
// (`trace`, its bytes dropped as they come), traced with `--memory`, and checked as `check` does
// (every access recorded and analysed by the tool module in the page as the program runs: the
// workload's time plus what the analysis took after it ended), the last two on an engine with
// multi-memory, RUNS times each in turn; the table has the medians. The same
// code measures in Node (`bench-trace.mjs`) and in a Chromium page (`trace-cost.html`).
import { run } from '../wthreads.mjs';
import { hasMultiMemory } from '../module-info.mjs';

// (row, export, arguments, operations per call, unit); the exports return microseconds.
const rows = [
  ['spawn + join', 'bench_spawn_join', [200], 200, 'µs'],
  ['uncontended lock + unlock', 'bench_uncontended', [500_000], 500_000, 'ns'],
  ['uncontended read lock + unlock', 'bench_uncontended_read', [500_000], 500_000, 'ns'],
  ['contended counter, 2 threads', 'bench_contended', [2, 200_000], 200_000, 'ns'],
  ['condvar ping-pong round trip', 'bench_ping_pong', [5_000], 5_000, 'µs'],
  ['malloc+free mixed, 1 thread', 'bench_alloc', [1, 200_000], 200_000, 'ns'],
  ['malloc+free mixed, 2 threads', 'bench_alloc', [2, 100_000], 200_000, 'ns'],
  ['demo workload 400x300, 2 threads', 'bench_mandelbrot', [400, 300, 2], 1, 'ms'],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const show = (ns, unit) => ({ ns: `${ns.toFixed(1)} ns`, µs: `${(ns / 1e3).toFixed(1)} µs`, ms: `${(ns / 1e6).toFixed(1)} ms` })[unit];

/**
 * Measures the benchmark module `bytes` with the tool module `tool` (a `Tool`), `runs` times
 * each, on the engine named `engine`; resolves to the table's lines (Markdown).
 */
export async function costTable(bytes, tool, runs, engine) {
  const memory = hasMultiMemory();
  const modes = [
    ['run', undefined],
    ['trace', { tool, write() {} }],
    ...(memory ? [['--memory', { tool, memory: true, write() {} }], ['check', { tool, check() {} }]] : []),
  ];
  /** Runs `invoke(args)` as `mode` does; resolves to its time in ns per operation. */
  const measure = async ([mode, trace], invoke, args, ops) => {
    const r = await run(bytes, { invoke, args, trace });
    if (r.check) throw new Error(`${invoke}: check found ${r.check}`);
    return (r.value * 1e3 + (r.checkEndMs ?? 0) * 1e6) / ops;
  };
  const lines = [
    `web runtime tracing cost, ${engine}: ${runs} runs, medians; ratio = traced time ÷ run time`,
    `| workload | run | trace | ÷ run | ${memory ? '--memory | ÷ run | check | ÷ run |' : '--memory, check (no multi-memory in this engine) |'}`,
    `|---|---:|---:|---:|${memory ? '---:|---:|---:|---:|' : '---|'}`,
  ];
  for (const [name, invoke, args, ops, unit] of rows) {
    const times = modes.map(() => []);
    for (let r = 0; r < runs; r++) {
      for (const [i, mode] of modes.entries()) times[i].push(await measure(mode, invoke, args, ops));
    }
    const [base, ...traced] = times.map(median);
    const cells = traced.map((t) => `${show(t, unit)} | ${(t / base).toFixed(2)}`);
    lines.push(`| ${name} | ${show(base, unit)} | ${cells.join(' | ')} |${memory ? '' : ' |'}`);
  }
  return lines;
}
