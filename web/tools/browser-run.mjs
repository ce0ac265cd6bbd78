#!/usr/bin/env node
// `node web/tools/browser-run.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]`:
// runs a patched guest on the web runtime inside headless Chromium (a cross-origin isolated
// page served by web/serve.mjs on loopback), with the output and exit codes of `wthreads run`
// and `node web/cli.mjs`. `--timeout SECONDS` (default 300) ends a hung program with what it
// printed so far.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as abi from '../abi.mjs';
import { serve } from '../serve.mjs';
import { launch } from './chromium.mjs';
import { fail, ignoreBrokenPipes, parseRunArgs } from '../cli-args.mjs';

ignoreBrokenPipes();
const usage =
  'usage: node web/tools/browser-run.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events] [--timeout SECONDS]';
const { file, timeout: timeoutSeconds = 300, ...options } = parseRunArgs(process.argv.slice(2), usage, { '--timeout': 'timeout' });
try {
  statSync(file);
} catch (e) {
  fail(`${file}: ${e.message}`);
}

const server = await serve({ root: fileURLToPath(new URL('..', import.meta.url)), mounts: { '/module.wasm': file }, port: 0 });
let browser;
try {
  browser = await launch();
} catch (e) {
  await server.close();
  fail(`cannot start Chromium: ${e.message}`);
}
let page;
let timer;
try {
  page = await browser.open(`${server.url}tools/runner.html`);
  const ready = await page.evaluate('new Promise((r) => { const t = () => (window.runnerReady ? r(true) : setTimeout(t, 10)); t(); })');
  if (!ready) throw new Error('the runner page did not load');
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutSeconds} s`)), timeoutSeconds * 1000);
  });
  const r = await Promise.race([page.evaluate(`window.runProgram(${JSON.stringify(options)})`), timeout]);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (!r.error) process.exitCode = r.code & 0xff;
  else if (r.error.kind === 'trap') {
    process.stderr.write(`wthreads: ${file}: \`${options.invoke}\` did not return: ${r.error.message}\n`);
    process.exitCode = abi.EXIT_TRAP;
  } else {
    process.stderr.write(`wthreads: ${file}: ${r.error.message}\n`);
    process.exitCode = abi.EXIT_MODULE;
  }
} catch (e) {
  // A hung or crashed program: show what it printed and why it stopped.
  const partial = page ? await Promise.race([page.evaluate('window.wthreadsOutput'), new Promise((r) => setTimeout(r, 2000))]).catch(() => null) : null;
  if (partial) {
    process.stdout.write(partial.stdout);
    process.stderr.write(partial.stderr);
  }
  for (const line of page?.log ?? []) process.stderr.write(`[page] ${line}\n`);
  process.stderr.write(`wthreads: ${file}: in Chromium: ${e.message}\n`);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  await browser.close();
  await server.close();
}
