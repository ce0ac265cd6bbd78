// The tool module (`web/tool`: Rust built for wasm32 by scripts/web-tool.sh): threadify's trace
// instrumentation and the trace formats, so that a traced run in a browser or Node is
// instrumented and converted by the same code as the native host's. Compiled once, on the
// first traced run; each operation runs in a fresh instance, whose memory is dropped after it.
//
// Its ABI (web/tool/src/exports.rs): one input read through `input_len`/`input_read`, three
// output streams through `output`, each export returning 0 or 1 after an error message.

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** The tool module's file name (scripts/web-tool.sh writes web/wthreads-tool.wasm). */
export const TOOL_FILE = 'wthreads-tool.wasm';
/** Where the tool module is unless told otherwise: beside `wthreads.mjs`. */
export const DEFAULT_TOOL = new URL(`../${TOOL_FILE}`, import.meta.url);

/** The functions the tool module exports (web/tool/src/exports.rs). */
const EXPORTS = ['wthreads_tool_formats', 'wthreads_tool_instrument', 'wthreads_tool_convert', 'wthreads_tool_timeline', 'wthreads_tool_check'];
const OUT = 0;
const SIDE = 1;
const ERROR = 2;

/** Bytes of `source` (a URL, a path in Node, or bytes). */
async function fetchBytes(source) {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source;
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    const path = source instanceof URL ? fileURLToPath(source) : String(source);
    return readFile(path);
  }
  const response = await fetch(source);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** An input over bytes in memory. */
export function bytesInput(bytes) {
  return { length: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

export class Tool {
  /**
   * Loads the tool module from `source`: a `WebAssembly.Module`, its bytes, a URL or (in Node)
   * a path; `DEFAULT_TOOL` if not given. Throws an error naming the place and the fix.
   */
  static async load(source = DEFAULT_TOOL) {
    try {
      const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(await fetchBytes(source));
      const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
      const missing = EXPORTS.find((name) => !exports.has(name));
      if (missing) throw new Error(`it is not the wthreads trace tool (it does not export \`${missing}\`)`);
      return new Tool(module);
    } catch (e) {
      throw new Error(
        `cannot load the trace tool module from ${source}: ${e.message} (scripts/web-tool.sh builds it; ` +
          'pass another place as the `tool` option of `trace`, or in WTHREADS_TOOL to the command line)',
      );
    }
  }

  constructor(module) {
    this.module = module;
  }

  /**
   * Runs export `name(...args)` over `input` (`{length, read(offset, length) -> Uint8Array}`),
   * handing each output chunk to `sinks[stream]` (a copy); throws the tool's error message.
   */
  async call(name, args, input, sinks) {
    let memory = null;
    const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr >>> 0, len >>> 0);
    const errors = [];
    const imports = {
      wthreads_tool: {
        input_len: () => BigInt(input.length),
        input_read(offset, ptr, len) {
          const at = Number(offset);
          if (at + len > input.length) return 1;
          bytes(ptr, len).set(input.read(at, len));
          return 0;
        },
        output(stream, ptr, len) {
          const chunk = bytes(ptr, len).slice();
          if (stream === ERROR) errors.push(chunk);
          else sinks[stream]?.(chunk);
        },
      },
    };
    const instance = await WebAssembly.instantiate(this.module, imports);
    memory = instance.exports.memory;
    if (instance.exports[name](...args) !== 0) {
      const message = errors.map((c) => new TextDecoder().decode(c)).join('');
      throw new Error(message || `the trace tool's ${name} failed`);
    }
  }

  /** The trace formats: `[{name, file, side}]` (`side`: the suffix of the side file, or null). */
  async formats() {
    if (!this.formatList) {
      const chunks = [];
      await this.call('wthreads_tool_formats', [], bytesInput(new Uint8Array()), { [OUT]: (c) => chunks.push(c) });
      this.formatList = JSON.parse(new TextDecoder().decode(concat(chunks)));
    }
    return this.formatList;
  }

  /** Instruments a patched module: `{wasm, sites}` (sites: the raw trace's SITES chunk). */
  async instrument(wasm, memory) {
    const out = { [OUT]: [], [SIDE]: [] };
    const sinks = { [OUT]: (c) => out[OUT].push(c), [SIDE]: (c) => out[SIDE].push(c) };
    await this.call('wthreads_tool_instrument', [memory ? 1 : 0], bytesInput(wasm), sinks);
    return { wasm: concat(out[OUT]), sites: concat(out[SIDE]) };
  }

  /** Writes the raw trace `input` as format `name` to `out(chunk)`, its side file to `side(chunk)`. */
  async convert(input, name, out, side) {
    const index = (await this.formats()).findIndex((f) => f.name === name);
    if (index < 0) throw new Error(`unknown trace format \`${name}\``);
    await this.call('wthreads_tool_convert', [index], input, { [OUT]: out, [SIDE]: side });
  }

  /**
   * Writes the report of every finding of `check` (data races, lock-order inversions) in the
   * raw trace `input` (recorded with `memory`) to `out(chunk)`; resolves to their summary
   * ("1 data race reported"), or null if there was none.
   */
  async check(input, out) {
    const summary = [];
    await this.call('wthreads_tool_check', [], input, { [OUT]: out, [SIDE]: (c) => summary.push(c) });
    return summary.length > 0 ? new TextDecoder().decode(concat(summary)) : null;
  }

  /** Writes the timeline page of the raw trace `input` to `out(chunk)`. */
  async timeline(input, out) {
    await this.call('wthreads_tool_timeline', [], input, { [OUT]: out });
  }
}

/** The bytes of `chunks` in one array. */
export function concat(chunks) {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}
