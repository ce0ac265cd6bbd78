// The wasm-bindgen example in Node (`calls.mjs`): prints `{ state, result }` as JSON, as
// web/tools/open-page.mjs prints the page's.
//
//   node host/tests/bindgen/node.mjs PKG_DIR NAME
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as wthreads from '../../../web/wthreads.mjs';
import { exercise } from './calls.mjs';

const [dir, name] = process.argv.slice(2);
const result = await exercise(wthreads, readFileSync(join(dir, `${name}_bg.wasm`)), join(dir, `${name}.js`));
process.stdout.write(`${JSON.stringify({ state: 'done', result })}\n`);
