// A worker that only says it started: the baseline of web/tools/bench-latency.mjs.
if (typeof process !== 'undefined' && process.versions?.node) {
  (await import('node:worker_threads')).parentPort.postMessage('up');
} else {
  postMessage('up');
}
