// Starting a worker of the web runtime (`worker.mjs`): a Web Worker, or a worker thread in Node.
const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/**
 * Starts a worker whose messages (and failure, as `{kind: 'crash', message}`) go to
 * `onMessage`. Returns `{ post, terminate, ref, unref }`; in Node, an unref'd worker does not
 * keep the process running (elsewhere `ref` and `unref` do nothing).
 */
export function startWorker(onMessage) {
  // Terminating a worker while its module (which awaits at its top level) is still being
  // evaluated makes Node abort the whole process (V8's "Check failed: (location_) != nullptr"
  // in ExecuteAsyncModule, nodejs/node#53238). Every worker sends a message once it is set up,
  // so one that has sent none yet is terminated when its first comes.
  let heard = false;
  let doomed = false;
  let kill = null;
  const hear = (m) => {
    if (!heard) {
      heard = true;
      if (doomed) return kill();
    }
    onMessage(m);
  };
  const fail = (message) => doomed || onMessage({ kind: 'crash', message });
  const terminate = () => (heard ? kill() : (doomed = true));
  if (isNode) {
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const w = new Worker(new URL('./worker.mjs', import.meta.url));
    w.on('message', hear);
    w.on('error', (e) => fail(String(e)));
    kill = () => w.terminate();
    return { post: (m) => w.postMessage(m), terminate, ref: () => w.ref(), unref: () => w.unref() };
  }
  // Written as bundlers (Vite, webpack) recognise a worker, to bundle it with its imports.
  const w = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
  w.onmessage = (e) => hear(e.data);
  w.onerror = (e) => fail(e.message);
  kill = () => w.terminate();
  return { post: (m) => w.postMessage(m), terminate, ref: () => {}, unref: () => {} };
}
