#!/usr/bin/env node
// The dev server of the web runtime: serves static files with the two headers that make a page
// cross-origin isolated, which SharedArrayBuffer (and so shared WebAssembly memory) needs:
//
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
//
//   node web/serve.mjs [--port N] [--root DIR] [--mount URL_PATH=FILE]...
//
// By default it serves the `web/` directory on port 8000, so the runtime is at /wthreads.mjs
// and the demo at /demo/. `--mount /demo/mandelbrot.wasm=PATH` serves one file from elsewhere
// (a guest module in a target directory). Loopback only; no directory listings.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** The headers every response carries: cross-origin isolation, and no caching of dev files. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Starts the server. `root`: the directory served; `mounts`: a Map or object from URL paths
 * to files; `port` (0 picks a free one); `isolate: false` leaves the isolation headers out
 * (to test the runtime's error on a page that is not isolated). Resolves to
 * `{ url, close() }` once listening on 127.0.0.1.
 */
export function serve({ root = fileURLToPath(new URL('.', import.meta.url)), mounts = {}, port = 8000, isolate = true } = {}) {
  const base = resolve(root);
  const files = new Map(mounts instanceof Map ? mounts : Object.entries(mounts));
  const server = createServer(async (req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...(isolate ? ISOLATION_HEADERS : {}) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      return send(400, 'bad request path\n');
    }
    let file = files.get(path);
    if (!file) {
      if (path.endsWith('/')) path += 'index.html';
      file = normalize(join(base, path));
      // No way out of the root: `..` was resolved by normalize; the result must stay inside.
      if (file !== base && !file.startsWith(base + sep)) return send(403, 'forbidden\n');
    }
    try {
      if (!(await stat(file)).isFile()) return send(404, `not found: ${path}\n`);
      send(200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream');
    } catch {
      send(404, `not found: ${path}\n`);
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      resolvePromise({
        url: `http://127.0.0.1:${actual}/`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const usage = 'usage: node web/serve.mjs [--port N] [--root DIR] [--mount URL_PATH=FILE]...';
  const options = { mounts: {} };
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    if (args[i] === '--port' && /^\d+$/.test(value ?? '')) options.port = Number(args[++i]);
    else if (args[i] === '--root' && value) options.root = args[++i];
    else if (args[i] === '--mount' && /^\/[^=]*=.+/.test(value ?? '')) {
      const [urlPath, ...file] = args[++i].split('=');
      options.mounts[urlPath] = resolve(file.join('='));
    } else {
      process.stderr.write(`serve: unknown argument \`${args[i]}\`\n${usage}\n`);
      process.exit(2);
    }
  }
  try {
    const { url } = await serve(options);
    process.stdout.write(`serving ${options.root ?? 'web/'} cross-origin isolated at ${url}\n`);
    for (const [urlPath, file] of Object.entries(options.mounts)) process.stdout.write(`  ${urlPath} -> ${file}\n`);
  } catch (e) {
    process.stderr.write(`serve: cannot listen: ${e.message}\n`);
    process.exit(2);
  }
}
