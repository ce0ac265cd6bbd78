#!/usr/bin/env node
// `node web/tools/browser-run.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events]`:
// runs a patched guest on the web runtime inside headless Chromium, or Firefox with
// WTHREADS_BROWSER=firefox (a cross-origin isolated page served by web/serve.mjs on loopback),
// with the output and exit codes of `wthreads run` and `node web/cli.mjs`, printed as the
// program prints it. `--timeout SECONDS` (default 300)
// ends a hung program with what it printed so far.
import { closeSync, statSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as abi from '../abi.mjs';
import { serve } from '../serve.mjs';
import { fail, ignoreBrokenPipes, parseRunArgs } from '../cli-args.mjs';
import { TOOL_FILE } from '../trace/tool.mjs';
import { open, tracePlan } from '../trace/files.mjs';
import { BROWSER, launch } from './browser.mjs';

ignoreBrokenPipes();
/** How often the output of a program that runs is taken from the page, in ms. */
const OUTPUT_PATIENCE_MS = 50;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const usage =
  'usage: node web/tools/browser-run.mjs run FILE.wasm [--invoke NAME] [--arg N]... [--max-threads N] [--trace-events] [--timeout SECONDS]\n' +
  '       node web/tools/browser-run.mjs trace FILE.wasm [run options] [-o PATH] [--format F] [--memory] [--html PATH]\n' +
  '       node web/tools/browser-run.mjs check FILE.wasm [run options]';
const { file, timeout: timeoutSeconds = 300, ...options } = parseRunArgs(process.argv.slice(2), usage, { '--timeout': 'timeout' }, { trace: true });
try {
  statSync(file);
} catch (e) {
  fail(`${file}: ${e.message}`);
}
// `trace` and `check`: the page loads the tool module from its default place, served from
// WTHREADS_TOOL if set; it converts the trace it recorded, and the files come back from the page
// (`trace`), or checks the run as it goes, its reports in the run's stderr (`check`).
const mounts = { '/module.wasm': file };
const plan = options.command === 'trace' ? await tracePlan(options).catch((e) => fail(e.message)) : null;
if ((plan || options.command === 'check') && process.env.WTHREADS_TOOL) mounts[`/${TOOL_FILE}`] = process.env.WTHREADS_TOOL;

const server = await serve({ root: fileURLToPath(new URL('..', import.meta.url)), mounts, port: 0 });
let browser;
try {
  browser = await launch();
} catch (e) {
  await server.close();
  fail(`cannot start ${BROWSER}: ${e.message}`);
}
let page;
let timer;
try {
  // The timeout covers the page's loading too: a page whose scripts fail never gets ready.
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutSeconds} s`)), timeoutSeconds * 1000);
  });
  timeout.catch(() => {}); // handled where it is raced; not unhandled before
  page = await browser.open(`${server.url}tools/runner.html`);
  const loaded = page.evaluate('new Promise((r) => { const t = () => (window.runnerReady ? r(true) : setTimeout(t, 10)); t(); })');
  if (!(await Promise.race([loaded, timeout]))) throw new Error('the runner page did not load');
  const running = page.evaluate(`window.runProgram(${JSON.stringify(options)})`);
  const printed = printAsItRuns(page, running);
  printed.catch(() => {}); // raced with the timeout: what it does after that does not matter
  const r = await Promise.race([printed, timeout]);
  if (plan && r.traceLength !== null) await saveTrace(page);
  // `check`: the summary, as `wthreads check` prints it, and status 66, if it reported anything.
  if (r.check) process.stderr.write(`wthreads check: ${r.check}\n`);
  const status = r.check ? abi.EXIT_RACE : null;
  if (!r.error) process.exitCode = status ?? r.code & 0xff;
  else if (r.error.kind === 'deadlock') {
    process.stderr.write(r.error.message);
    process.exitCode = status ?? abi.EXIT_DEADLOCK;
  } else if (r.error.kind === 'trap') {
    process.stderr.write(`wthreads: ${file}: \`${options.invoke}\` did not return: ${r.error.message}\n`);
    process.exitCode = status ?? abi.EXIT_TRAP;
  } else {
    process.stderr.write(`wthreads: ${file}: ${r.error.message}\n`);
    process.exitCode = abi.EXIT_MODULE;
  }
} catch (e) {
  // A hung or crashed program: show what it printed and why it stopped.
  const rest = page ? await Promise.race([page.evaluate('window.takeOutput()'), sleep(2000)]).catch(() => null) : null;
  print(rest ?? []);
  for (const line of page?.log ?? []) process.stderr.write(`[page] ${line}\n`);
  process.stderr.write(`wthreads: ${file}: in ${BROWSER}: ${e.message}\n`);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  await browser.close();
  await server.close();
}

/** Writes the page's output pairs ([fd, text]) to stdout and stderr, in order. */
function print(pairs) {
  for (const [fd, text] of pairs) (fd === 1 ? process.stdout : process.stderr).write(text);
}

/** Prints what the program prints while `running` (its `runProgram`) goes on; resolves to its result. */
async function printAsItRuns(page, running) {
  let settled = false;
  const done = running.finally(() => (settled = true));
  done.catch(() => {}); // awaited below
  while (!settled) {
    await Promise.race([done, sleep(OUTPUT_PATIENCE_MS)]).catch(() => {});
    print(await page.evaluate('window.takeOutput()'));
  }
  return done;
}

/** Has the page convert its trace as `plan` asks, and writes the files it made. */
async function saveTrace(page) {
  const lengths = await page.evaluate(`window.convertTrace(${JSON.stringify({ format: plan.format, html: !!plan.html })})`);
  const files = [
    ['out', plan.output === '-' ? null : plan.output],
    ['side', plan.side],
    ['html', plan.html],
  ];
  for (const [name, path] of files) {
    const length = lengths[name];
    if (length === null) continue;
    // The output `-` is standard output, after the program's own (as `wthreads trace` writes it).
    const fd = path === null ? null : open(path);
    try {
      const SLICE = 8 << 20;
      for (let at = 0; at < length; at += SLICE) {
        const bytes = Buffer.from(await page.evaluate(`window.traceSlice('${name}', ${at}, ${at + SLICE})`), 'base64');
        if (fd === null) process.stdout.write(bytes);
        else writeSync(fd, bytes);
      }
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
}
