// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
// JSON messages ended by a NUL byte, commands on fd 3, replies and events on fd 4), with no
// npm dependency. Enough for the web runtime's tests: open a page, evaluate an expression
// (awaiting its Promise), take a screenshot.
//
//   const browser = await launch();
//   const page = await browser.open('http://127.0.0.1:8000/demo/');
//   const value = await page.evaluate('1 + 1');
//   await browser.close();
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Chromium is: `$CHROMIUM`, else Debian's /usr/bin/chromium (scripts/setup.sh installs it). */
export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`Chromium not found (looked at ${candidates.join(', ')}): run scripts/setup.sh, or set CHROMIUM`);
  }
  return found;
}

// Headless, and quiet on a closed network: no background connections, updates or sync.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--mute-audio',
  '--hide-scrollbars',
  '--window-size=1280,900',
];

/** Starts headless Chromium. Resolves to a `Browser`; rejects with Chromium's own words if it cannot start. */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'wthreads-chromium-'));
  const child = spawn(chromiumPath(), [...FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  const browser = new Browser(child, profile);
  // The first answer on the pipe shows the browser is up (or rejects with why it is not).
  await browser.send('Browser.getVersion');
  return browser;
}

export class Browser {
  constructor(child, profile) {
    this.child = child;
    this.profile = profile;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Set();
    this.stderr = '';
    this.exited = null;
    let buffered = Buffer.alloc(0);
    child.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    child.stdio[4].on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (let end = buffered.indexOf(0); end >= 0; end = buffered.indexOf(0)) {
        const message = JSON.parse(buffered.subarray(0, end).toString('utf8'));
        buffered = buffered.subarray(end + 1);
        this.dispatch(message);
      }
    });
    child.stdio[3].on('error', () => {});
    child.on('exit', (code, signal) => {
      this.exited = `Chromium exited (${signal ?? `status ${code}`})`;
      const error = new Error(`${this.exited}\n${this.stderr.trim()}`);
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
      rmSync(this.profile, { recursive: true, force: true });
    });
  }

  dispatch(message) {
    if (message.id !== undefined) {
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (!call) return;
      if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
      else call.resolve(message.result);
    } else {
      for (const listener of this.listeners) listener(message);
    }
  }

  /** Sends one DevTools command (to the browser, or to a page's `sessionId`); resolves to its result. */
  send(method, params = {}, sessionId) {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.child.stdio[3].write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    });
  }

  /** Opens `url` in a new tab and waits for its load event. Resolves to a `Page`. */
  async open(url) {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    const loaded = page.next('Page.loadEventFired');
    const { errorText } = await page.send('Page.navigate', { url });
    if (errorText) throw new Error(`cannot open ${url}: ${errorText}`);
    await loaded;
    return page;
  }

  /** Closes Chromium and removes its profile. */
  async close() {
    if (this.exited) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.send('Browser.close').catch(() => {});
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }

  /** Kills Chromium at once. */
  kill() {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

export class Page {
  constructor(browser, sessionId) {
    this.browser = browser;
    this.sessionId = sessionId;
    /** Console messages and uncaught exceptions of the page, for diagnostics. */
    this.log = [];
    browser.listeners.add((m) => {
      if (m.sessionId !== sessionId) return;
      if (m.method === 'Runtime.consoleAPICalled') {
        this.log.push(`console.${m.params.type}: ${m.params.args.map((a) => a.value ?? a.description ?? '').join(' ')}`);
      } else if (m.method === 'Runtime.exceptionThrown') {
        const d = m.params.exceptionDetails;
        this.log.push(`uncaught: ${d.exception?.description ?? d.text}`);
      }
    });
  }

  send(method, params) {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Resolves with the params of the page's next event `method`. */
  next(method) {
    return new Promise((resolve) => {
      const listener = (m) => {
        if (m.sessionId === this.sessionId && m.method === method) {
          this.browser.listeners.delete(listener);
          resolve(m.params);
        }
      };
      this.browser.listeners.add(listener);
    });
  }

  /**
   * Evaluates a JavaScript expression in the page, awaits it if it is a Promise, and resolves
   * to its value (JSON-serialisable). An exception in the page rejects with its description.
   */
  async evaluate(expression) {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) {
      throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    }
    return result.value;
  }

  /** A PNG screenshot of the page's viewport, as a Buffer. */
  async screenshot() {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    return Buffer.from(data, 'base64');
  }
}
