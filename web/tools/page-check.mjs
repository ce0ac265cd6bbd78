#!/usr/bin/env node
// Drives the demo page in headless Chromium (Firefox with WTHREADS_BROWSER=firefox) for the
// tests, and prints what it found as JSON.
//
//   node web/tools/page-check.mjs demo MODULE.wasm OUT.png [--size WxH] [--threads N]
//     serves web/ cross-origin isolated with MODULE at /demo/mandelbrot.wasm, opens the demo,
//     sets the size and thread count, clicks Render, waits for the result, writes a screenshot
//     to OUT.png and prints {state, status, results, width, height, rows, rowColours, readme,
//     pixels} (pixels: the canvas's grey values, base64; rows: the thread of each row; readme:
//     the start of what the page's README link serves).
//   node web/tools/page-check.mjs timeline MODULE.wasm OUT.png --tool TOOL.wasm [--size WxH] [--threads N]
//     the same with the trace tool module served at its default place, clicking Timeline: the
//     report has `timeline`, the timeline page's HTML the demo made in the page.
//   node web/tools/page-check.mjs isolation MODULE.wasm
//     serves the same without the isolation headers and prints the page's {state, status}.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '../serve.mjs';
import { launch } from './browser.mjs';
import { TOOL_FILE } from '../trace/tool.mjs';

const usage =
  'usage: page-check.mjs demo MODULE.wasm OUT.png [--size WxH] [--threads N] | timeline MODULE.wasm OUT.png --tool TOOL.wasm [--size WxH] [--threads N] | isolation MODULE.wasm';
const [mode, module, ...rest] = process.argv.slice(2);
const fail = (msg) => {
  process.stderr.write(`page-check: ${msg}\n`);
  process.exit(2);
};
if (!['demo', 'timeline', 'isolation'].includes(mode) || !module) fail(usage);
let out;
let size = '320x240';
let threads = '2';
let tool = null;
let args = rest;
const clicks = mode !== 'isolation';
if (clicks) [out, ...args] = rest;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--size' && /^\d+x\d+$/.test(args[i + 1] ?? '')) size = args[++i];
  else if (args[i] === '--threads' && /^\d+$/.test(args[i + 1] ?? '')) threads = args[++i];
  else if (args[i] === '--tool' && args[i + 1]) tool = args[++i];
  else fail(`unknown argument \`${args[i]}\`\n${usage}`);
}
if ((clicks && !out) || (mode === 'timeline' && !tool)) fail(usage);

const server = await serve({
  root: fileURLToPath(new URL('..', import.meta.url)),
  mounts: {
    '/demo/mandelbrot.wasm': module,
    '/README.md': fileURLToPath(new URL('../../README.md', import.meta.url)),
    ...(tool ? { [`/${TOOL_FILE}`]: tool } : {}),
  },
  port: 0,
  isolate: clicks,
});
const browser = await launch();
const timer = setTimeout(() => {
  process.stderr.write('page-check: timed out after 300 s\n');
  browser.kill();
  process.exit(1);
}, 300_000);
try {
  const page = await browser.open(`${server.url}demo/?size=${size}`);
  const settled = (states) =>
    page.evaluate(`new Promise((resolve) => {
      const check = () => ${JSON.stringify(states)}.includes(document.body.dataset.state) ? resolve(true) : setTimeout(check, 20);
      check();
    })`);
  await settled(['ready', 'error']);
  if (clicks) {
    // Use the controls as a user would: the thread count, then the button.
    await page.evaluate(`(() => {
      const input = document.getElementById('threads');
      input.value = ${JSON.stringify(threads)};
      input.dispatchEvent(new Event('input'));
      document.getElementById(${JSON.stringify(mode === 'timeline' ? 'timeline' : 'render')}).click();
    })()`);
    await settled(['done', 'error']);
  }
  const report = await page.evaluate(`(async () => {
    const canvas = document.getElementById('picture');
    const report = { state: document.body.dataset.state, status: document.getElementById('status').textContent,
      results: window.demoResults ?? [], width: canvas.width, height: canvas.height, timeline: window.demoTimeline ?? null,
      rows: window.demoRows ?? null, rowColours: [...document.querySelectorAll('#rows-key .swatch')].length,
      readme: document.querySelector('a[href="/README.md"]') ? await fetch('/README.md').then((r) => r.ok ? r.text() : '').then((t) => t.slice(0, 20)) : null };
    if (report.state === 'done') {
      const rgba = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let grey = '';
      for (let i = 0; i < rgba.length; i += 4) grey += String.fromCharCode(rgba[i]);
      report.pixels = btoa(grey);
    }
    return report;
  })()`);
  if (clicks) writeFileSync(out, await page.screenshot());
  for (const line of page.log) process.stderr.write(`[page] ${line}\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
} catch (e) {
  fail(e.message);
} finally {
  clearTimeout(timer);
  await browser.close();
  await server.close();
}
