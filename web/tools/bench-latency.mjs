#!/usr/bin/env node
// `node web/tools/bench-latency.mjs MODULE.wasm [ITERATIONS]`: the web runtime's spawn+join
// latency with a warm pool (the guest export `bench_spawn_join` of guest-tests/programs), in
// Node and in headless Chromium, next to the start of a raw `new Worker` there (median of 30).
// Prints Markdown table rows; `cargo run --release -p wthreads-host --example spawn_latency`
// runs it after the native figures.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '../serve.mjs';
import { launch } from './chromium.mjs';
import { guestSpawnJoin, rawWorkerStart } from './latency.mjs';

const [module, iterationsArg = '2000'] = process.argv.slice(2);
if (!module || !/^\d+$/.test(iterationsArg)) {
  process.stderr.write('usage: node web/tools/bench-latency.mjs MODULE.wasm [ITERATIONS]\n');
  process.exit(2);
}
const iterations = Number(iterationsArg);
const WORKERS = 30;
const row = (where, r) => `| ${where} | ${r.spawnJoinUs.toFixed(1)} µs | ${r.workerStartMs.toFixed(2)} ms |`;

const node = {
  spawnJoinUs: await guestSpawnJoin(readFileSync(module), iterations),
  workerStartMs: await rawWorkerStart(WORKERS),
};
console.log(row(`wthreads, Node ${process.versions.node} (worker_threads pool)`, node));

const server = await serve({ root: fileURLToPath(new URL('..', import.meta.url)), mounts: { '/module.wasm': module }, port: 0 });
const browser = await launch();
try {
  const page = await browser.open(`${server.url}tools/bench.html`);
  await page.evaluate('new Promise((r) => { const t = () => (window.benchReady ? r() : setTimeout(t, 10)); t(); })');
  const { product } = await browser.send('Browser.getVersion');
  const chromium = await page.evaluate(`window.measure(${iterations}, ${WORKERS})`);
  console.log(row(`wthreads, ${product.replace(/^(Headless)?Chrome\//, 'headless Chromium ')} (Web Worker pool)`, chromium));
} finally {
  await browser.close();
  await server.close();
}
