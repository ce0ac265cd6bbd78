// Headless Firefox (Debian's firefox-esr, installed by scripts/setup.sh) driven over WebDriver
// BiDi by puppeteer-core (installed into target/npm-tools by the same script), with the part of
// `chromium.mjs`'s interface: open a page, evaluate an expression (awaiting its Promise), read
// its console log, take a screenshot.
//
//   const browser = await launch();
//   const page = await browser.open('http://127.0.0.1:8000/tools/runner.html');
//   const value = await page.evaluate('1 + 1');
//   await browser.close();
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where scripts/setup.sh installs the npm packages of the tests. */
const NPM_TOOLS = fileURLToPath(new URL('../../target/npm-tools/', import.meta.url));

/** Where Firefox is: `$FIREFOX`, else Debian's /usr/bin/firefox-esr. */
export function firefoxPath() {
  const candidates = [process.env.FIREFOX, '/usr/bin/firefox-esr', '/usr/bin/firefox'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`Firefox not found (looked at ${candidates.join(', ')}): run scripts/setup.sh --tests, or set FIREFOX`);
  return found;
}

/** puppeteer-core, from target/npm-tools. */
async function puppeteer() {
  let entry;
  try {
    entry = createRequire(`${NPM_TOOLS}package.json`).resolve('puppeteer-core');
  } catch {
    throw new Error(`puppeteer-core not found in ${NPM_TOOLS}: run scripts/setup.sh --tests`);
  }
  return (await import(pathToFileURL(entry).href)).default;
}

/** Starts headless Firefox. Resolves to a browser with `open(url)`, `close()` and `kill()`. */
export async function launch() {
  // The viewport of chromium.mjs's window.
  const defaultViewport = { width: 1280, height: 900 };
  const browser = await (await puppeteer()).launch({ browser: 'firefox', executablePath: firefoxPath(), headless: true, defaultViewport });
  return {
    async open(url) {
      const page = await browser.newPage();
      const log = [];
      page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`uncaught: ${e.message}`));
      await page.goto(url);
      return { log, evaluate: (expression) => page.evaluate(expression), screenshot: () => page.screenshot() };
    },
    close: () => browser.close(),
    kill: () => browser.process()?.kill('SIGKILL'),
  };
}
