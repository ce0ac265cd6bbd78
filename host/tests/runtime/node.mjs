// The persistent runtime in Node (`calls.mjs`): prints `{ state, result }` as JSON, as
// web/tools/open-page.mjs prints the page's.
//
//   node host/tests/runtime/node.mjs PROGRAMS.wasm
import { readFileSync } from 'node:fs';
import * as wthreads from '../../../web/wthreads.mjs';
import { exercise } from './calls.mjs';

const result = await exercise(wthreads, readFileSync(process.argv[2]));
process.stdout.write(`${JSON.stringify({ state: 'done', result })}\n`);
