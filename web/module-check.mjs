// What the web runtime checks before it runs anything: that the page can share memory, and that
// a module is one it can run (a patched wthreads guest of its runtime API version).
import * as abi from './abi.mjs';
import { isGlueModule } from './bindgen.mjs';
import { WthreadsError } from './error.mjs';
import { moduleInfo, signature } from './module-info.mjs';

/** Throws a clear error if shared memory is unavailable (a page that is not cross-origin isolated). */
export function checkIsolation() {
  if (typeof SharedArrayBuffer === 'undefined' || globalThis.crossOriginIsolated === false) {
    throw new WthreadsError(
      'module',
      'SharedArrayBuffer is not available: the page is not cross-origin isolated. Serve it with the headers ' +
        '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp".',
    );
  }
}

/**
 * Compiles `bytes` and checks the module (made by wasm-bindgen if `bindgen`: its glue provides
 * the memory and its own imports); returns `{ module, memory }` (the memory import's limits), or
 * throws a `WthreadsError` of kind `'module'` naming what is wrong.
 */
export async function compileChecked(bytes, bindgen = false) {
  let module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (e) {
    throw new WthreadsError('module', `not a valid WebAssembly module: ${e.message}`);
  }
  return { module, memory: checkModule(module, bytes, bindgen) };
}

/** Checks the module's imports, data segments and exports; returns the memory import's limits. */
function checkModule(module, bytes, bindgen) {
  const info = moduleInfo(bytes);
  let mem = null;
  let memName = 'env.memory';
  for (const imp of info.imports) {
    if (imp.module === abi.BINDGEN_PLACEHOLDER_MODULE) {
      throw new WthreadsError(
        'module',
        `the module has not been through wasm-bindgen (it imports \`${imp.module}.${imp.name}\`): run \`wasm-bindgen --target web\` on it and pass the JavaScript glue it writes as the \`bindgen\` option`,
      );
    }
    if (isGlueModule(imp.module) && !bindgen) {
      const glue = `${imp.module.slice(2, -abi.BINDGEN_GLUE_SUFFIX.length)}.js`;
      throw new WthreadsError(
        'module',
        `the module was made by wasm-bindgen (it imports \`${imp.module}.${imp.name}\`): pass the JavaScript glue wasm-bindgen wrote beside it (\`${glue}\`) as the \`bindgen\` option`,
      );
    }
    const glueMemory = bindgen && isGlueModule(imp.module);
    if ((glueMemory || imp.module === 'env') && imp.name === 'memory' && imp.kind === 'memory') {
      mem = imp.memory;
      memName = `${imp.module}.memory`;
      continue;
    }
    // The glue's own functions, which it provides in every worker.
    if (glueMemory) continue;
    if (imp.module === 'wthreads') {
      const expected = abi.IMPORTS[imp.name];
      if (!Object.hasOwn(abi.IMPORTS, imp.name)) {
        throw new WthreadsError('module', `module imports \`wthreads.${imp.name}\`, which runtime API v${abi.ABI_VERSION} does not have (built for another version?)`);
      }
      const found = imp.kind !== 'function' ? `a ${imp.kind}` : imp.type ? signature(imp.type) : 'an unreadable type';
      if (found !== expected) {
        throw new WthreadsError('module', `import \`wthreads.${imp.name}\` has type ${found}, but runtime API v${abi.ABI_VERSION} defines it as ${expected}`);
      }
      continue;
    }
    if (imp.module === 'wthreads_patch') {
      throw new WthreadsError('module', `the module is not patched (it imports wthreads_patch.${imp.name}): run \`wthreads patch\` on it first`);
    }
    throw new WthreadsError('module', `unsupported import \`${imp.module}.${imp.name}\` (${imp.kind}): a wthreads host provides only \`wthreads.*\` and \`env.memory\``);
  }
  if (info.activeData) {
    const { index, size } = info.activeData;
    throw new WthreadsError(
      'module',
      `data segment ${index} (${size} bytes) is active: every thread's instance would write it into the shared memory again when it starts, undoing the program's writes; patch the module built by lld with --shared-memory (its segments are passive)`,
    );
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const name of Object.keys(abi.EXPORTS)) {
    if (!exports.has(name)) throw new WthreadsError('module', `the module does not export \`${name}\``);
  }
  if (!mem) throw new WthreadsError('module', 'the module does not import its memory as `env.memory`');
  if (!mem.shared) throw new WthreadsError('module', `memory \`${memName}\` is not shared`);
  if (mem.memory64) throw new WthreadsError('module', `memory \`${memName}\` is 64-bit`);
  if (mem.maximum === undefined) throw new WthreadsError('module', `memory \`${memName}\` has no maximum`);
  return mem;
}
