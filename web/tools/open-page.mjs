#!/usr/bin/env node
// Opens a page of a web application in headless Chromium (Firefox with WTHREADS_BROWSER=firefox)
// for the tests, and prints what it found as JSON.
//
//   node web/tools/open-page.mjs ROOT PAGE [--mount URL_PATH=FILE]... [--timeout SECONDS]
//
// Serves the directory ROOT cross-origin isolated (web/serve.mjs), with each mounted file at its
// URL path, or takes ROOT as the address of a server that runs (`http://…`: a dev server),
// opens PAGE (a path such as /index.html) there, waits until the page's
// `document.body.dataset.state` is `done` or `error` (default 300 s), and prints
// `{ state, result }`: `result` is the page's `window.pageResult`. The page's console goes to
// stderr. Exits 1 if the page did not finish.
import { parseArgs } from 'node:util';
import { serve } from '../serve.mjs';
import { launch } from './browser.mjs';

const usage = 'usage: open-page.mjs ROOT|http://SERVER PAGE [--mount URL_PATH=FILE]... [--timeout SECONDS]';
const fail = (msg) => {
  process.stderr.write(`open-page: ${msg}\n`);
  process.exit(2);
};
let parsed;
try {
  parsed = parseArgs({ options: { mount: { type: 'string', multiple: true }, timeout: { type: 'string' } }, allowPositionals: true });
} catch (e) {
  fail(`${e.message}\n${usage}`);
}
const [root, page, extra] = parsed.positionals;
const seconds = Number(parsed.values.timeout ?? 300);
if (!root || !page?.startsWith('/') || extra !== undefined || !(seconds > 0)) fail(usage);
const mounts = {};
for (const m of parsed.values.mount ?? []) {
  const at = m.indexOf('=');
  if (!m.startsWith('/') || at < 0) fail(`a mount is URL_PATH=FILE, not \`${m}\`\n${usage}`);
  mounts[m.slice(0, at)] = m.slice(at + 1);
}

const remote = /^https?:\/\//.test(root);
if (remote && Object.keys(mounts).length > 0) fail(`--mount needs a directory to serve, not a server\n${usage}`);
const server = remote ? { url: root.endsWith('/') ? root : `${root}/`, close: async () => {} } : await serve({ root, mounts, port: 0 });
const browser = await launch();
const timer = setTimeout(() => {
  process.stderr.write(`open-page: ${page} did not finish within ${seconds} s\n`);
  for (const line of tab?.log ?? []) process.stderr.write(`[page] ${line}\n`);
  browser.kill();
  process.exit(1);
}, seconds * 1000);
let tab = null;
try {
  tab = await browser.open(`${server.url}${page.slice(1)}`);
  const state = await tab.evaluate(`new Promise((resolve) => {
    const look = () => ['done', 'error'].includes(document.body?.dataset.state) ? resolve(document.body.dataset.state) : setTimeout(look, 20);
    look();
  })`);
  const result = await tab.evaluate('window.pageResult ?? null');
  for (const line of tab.log) process.stderr.write(`[page] ${line}\n`);
  process.stdout.write(`${JSON.stringify({ state, result })}\n`);
  if (state !== 'done') process.exitCode = 1;
} catch (e) {
  for (const line of tab?.log ?? []) process.stderr.write(`[page] ${line}\n`);
  fail(e.message);
} finally {
  clearTimeout(timer);
  await browser.close();
  await server.close();
}
