// What only Node shows of a runtime's end: closing it ends its workers' threads (the process's
// thread count, read from /proc, comes back to where it was). Prints
// `{ before, open, closed }` as JSON.
//
//   node host/tests/runtime/close.mjs PROGRAMS.wasm
import { readFileSync } from 'node:fs';
import { Runtime } from '../../../web/wthreads.mjs';

const threads = () => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const before = threads();
const rt = await Runtime.create(readFileSync(process.argv[2]), { poolSize: 8 });
await rt.call('calls_worker_start');
const open = threads();
await rt.close();
// A terminated worker's thread ends soon after.
let closed = threads();
for (let waited = 0; closed > before && waited < 5000; waited += 50) {
  await sleep(50);
  closed = threads();
}
process.stdout.write(`${JSON.stringify({ before, open, closed })}\n`);
