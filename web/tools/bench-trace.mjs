#!/usr/bin/env node
// `node web/tools/bench-trace.mjs BENCH.wasm [RUNS] [--chromium]`: what tracing costs the web
// runtime (`trace-cost.mjs` says what it measures), in this Node, or with `--chromium` in a page
// of headless Chromium (`trace-cost.html`, served as browser-run.mjs serves its runner). Prints
// the table. Needs the tool module (scripts/web-tool.sh; another place in WTHREADS_TOOL).
// `cargo run --release -p wthreads-host --example web_trace_cost` runs it on the bench module.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tool, TOOL_FILE } from '../trace/tool.mjs';
import { costTable } from './trace-cost.mjs';

const args = process.argv.slice(2);
const chromium = args.includes('--chromium');
const [module, runsArg = '5'] = args.filter((a) => a !== '--chromium');
if (!module || !/^[1-9]\d*$/.test(runsArg)) {
  process.stderr.write('usage: node web/tools/bench-trace.mjs BENCH.wasm [RUNS] [--chromium]\n');
  process.exit(2);
}
const runs = Number(runsArg);
let lines;
if (chromium) {
  const { serve } = await import('../serve.mjs');
  const { launch } = await import('./chromium.mjs');
  const mounts = { '/bench.wasm': module };
  if (process.env.WTHREADS_TOOL) mounts[`/${TOOL_FILE}`] = process.env.WTHREADS_TOOL;
  const server = await serve({ root: fileURLToPath(new URL('..', import.meta.url)), mounts, port: 0 });
  const browser = await launch();
  try {
    const page = await browser.open(`${server.url}tools/trace-cost.html`);
    await page.evaluate('new Promise((r) => { const t = () => (window.costTable ? r(true) : setTimeout(t, 10)); t(); })');
    lines = await page.evaluate(`window.costTable(${runs})`);
  } finally {
    await browser.close();
    await server.close();
  }
} else {
  const tool = await Tool.load(process.env.WTHREADS_TOOL || undefined);
  lines = await costTable(readFileSync(module), tool, runs, `Node ${process.versions.node}`);
}
for (const line of lines) console.log(line);
