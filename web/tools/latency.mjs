// The measurements of web/tools/bench-latency.mjs, shared by Node and the browser page.
import { run } from '../wthreads.mjs';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Mean spawn+join of one guest thread in microseconds, with a warm pool (the guest warms it). */
export async function guestSpawnJoin(bytes, iterations) {
  const { value } = await run(bytes, { invoke: 'bench_spawn_join', args: [iterations] });
  return value / 1e3;
}

/** Median time in milliseconds from `new Worker` to the worker's first message, over `count` workers. */
export async function rawWorkerStart(count) {
  const url = new URL('./echo-worker.mjs', import.meta.url);
  const { Worker } = isNode ? await import('node:worker_threads') : globalThis;
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const worker = isNode ? new Worker(url) : new Worker(url, { type: 'module' });
    await new Promise((resolve, reject) => {
      if (isNode) {
        worker.once('message', resolve);
        worker.once('error', reject);
      } else {
        worker.onmessage = resolve;
        worker.onerror = (e) => reject(new Error(e.message));
      }
    });
    times.push(performance.now() - start);
    await worker.terminate();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
