// wasm-bindgen's JavaScript glue (`wasm-bindgen --target web`) in the web runtime: every
// worker runs an instance of the glue of its own over its own instance of the module, so that
// the glue's state (its JavaScript heap, its view of the memory) is the thread's and JavaScript
// that Rust calls runs in the thread's worker. The page reads the glue once and hands its text
// to the workers, made loadable there: the glue imports the runtime's functions from a bare
// module `wthreads`, which a worker cannot resolve (no import maps in workers), so that import
// takes the worker's functions from a global instead, and its relative imports (snippets) are
// made absolute.
import { BINDGEN_GLUE_SUFFIX } from './abi.mjs';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Where a worker puts its `wthreads` functions before it loads the glue. */
export const IMPORTS = Symbol.for('wthreads.imports');

/** The stack wasm-bindgen's start function makes for an instance but the first (64 KiB, its least):
 * a thread runs on the stack wthreads gives it, so this one only serves the start function. */
export const GLUE_STACK = 65536;

/** The glue's functions that are not the module's exports. */
const NOT_EXPORTS = ['default', 'initSync'];

/**
 * The text of the glue at `url` (a URL, or in Node a path), made loadable in a worker. Throws
 * an Error naming what is wrong.
 */
export async function loadGlue(url) {
  let href;
  let source;
  if (isNode && !/^[a-z]+:/i.test(String(url))) {
    const { pathToFileURL } = process.getBuiltinModule('node:url');
    href = pathToFileURL(String(url)).href;
  } else {
    href = new URL(url, globalThis.location?.href).href;
  }
  if (href.startsWith('file:')) {
    const { readFileSync } = process.getBuiltinModule('node:fs');
    const { fileURLToPath } = process.getBuiltinModule('node:url');
    source = readFileSync(fileURLToPath(href), 'utf8');
  } else {
    const response = await fetch(href);
    if (!response.ok) throw new Error(`cannot load the glue ${href}: HTTP ${response.status}`);
    source = await response.text();
  }
  if (!/\bexport\s*\{[^}]*\binitSync\b/.test(source)) {
    throw new Error(`${href} is not wasm-bindgen's glue for \`--target web\` (it exports no \`initSync\`)`);
  }
  return rewrite(source, href);
}

/** The glue's text with its `wthreads` imports taken from the worker and its relative imports absolute. */
function rewrite(source, href) {
  return source
    .replace(/^import \* as (\w+) from (["'])wthreads\2;?$/gm, `const $1 = globalThis[Symbol.for('wthreads.imports')];`)
    .replace(/^(import\b[^'"\n]*?\bfrom\s*|import\s*)(["'])(\.\.?\/[^'"\n]+)\2/gm, (_, head, q, spec) => `${head}${q}${new URL(spec, href).href}${q}`);
}

let loaded = 0;

/**
 * A new instance of the glue (`source`, as `loadGlue` made it) over `module` and `memory`,
 * whose `wthreads` imports are `functions`: resolves to `{ glue, exports }`, the glue's module
 * and the instance's exports. Each call loads the glue anew: an instance of the glue serves one
 * instance of the module.
 */
export async function instantiateGlue(source, module, memory, functions) {
  globalThis[IMPORTS] = functions;
  // A module's URL is its identity: each load gets one of its own.
  const unique = `${source}\n// ${++loaded}\n`;
  const url = isNode
    ? `data:text/javascript;base64,${Buffer.from(unique).toString('base64')}`
    : URL.createObjectURL(new Blob([unique], { type: 'text/javascript' }));
  let glue;
  try {
    glue = await import(/* @vite-ignore */ url);
  } finally {
    if (!isNode) URL.revokeObjectURL(url);
  }
  const exports = glue.initSync({ module, memory, thread_stack_size: GLUE_STACK });
  return { glue, exports };
}

/** The glue's function `name` for a call from the page, if the glue has one of that name. */
export function glueFunction(glue, name) {
  return glue && !NOT_EXPORTS.includes(name) && typeof glue[name] === 'function' ? glue[name] : null;
}

/** Whether `module` is the import module of wasm-bindgen's glue (`./NAME_bg.js`). */
export function isGlueModule(module) {
  return module.startsWith('./') && module.endsWith(BINDGEN_GLUE_SUFFIX);
}
