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
// Written out, not from TOOL_FILE: bundlers take a literal `new URL('…', import.meta.url)` as
// the asset it names, and one with a variable as every file that could match.
export const DEFAULT_TOOL = new URL('../wthreads-tool.wasm', import.meta.url);

/** The functions the tool module exports (web/tool/src/exports.rs). */
const EXPORTS = [
  'wthreads_tool_formats',
  'wthreads_tool_instrument',
  'wthreads_tool_convert',
  'wthreads_tool_timeline',
  'wthreads_tool_check_feed',
  'wthreads_tool_check_advance',
  'wthreads_tool_check_end',
];
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
   * An instance of the tool module whose input and outputs, at each call, are those of `io`:
   * `{input, sinks}` (`input`: `{length, read(offset, length) -> Uint8Array}`; `sinks[stream]`
   * receives each chunk of that output stream, a copy).
   */
  async instantiate(io) {
    let memory = null;
    const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr >>> 0, len >>> 0);
    const imports = {
      wthreads_tool: {
        input_len: () => BigInt(io.input.length),
        input_read(offset, ptr, len) {
          const at = Number(offset);
          if (at + len > io.input.length) return 1;
          bytes(ptr, len).set(io.input.read(at, len));
          return 0;
        },
        output(stream, ptr, len) {
          const chunk = bytes(ptr, len).slice();
          if (stream === ERROR) io.errors.push(chunk);
          else io.sinks[stream]?.(chunk);
        },
      },
    };
    const instance = await WebAssembly.instantiate(this.module, imports);
    memory = instance.exports.memory;
    return instance;
  }

  /**
   * Runs export `name(...args)` over `input`, handing each output chunk to `sinks[stream]`;
   * throws the tool's error message. Each call has a fresh instance.
   */
  async call(name, args, input, sinks) {
    const io = { input, sinks };
    invoke(await this.instantiate(io), io, name, args);
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
   * The check of a run as it goes (`check`, docs/check.md): one instance, which keeps what it
   * was fed between calls.
   */
  async runCheck() {
    const io = { input: bytesInput(new Uint8Array()), sinks: {} };
    return new RunCheck(await this.instantiate(io), io);
  }

  /** Writes the timeline page of the raw trace `input` to `out(chunk)`. */
  async timeline(input, out) {
    await this.call('wthreads_tool_timeline', [], input, { [OUT]: out });
  }
}

/** Runs export `name(...args)` of `instance` (made by `instantiate(io)`); throws its error. */
function invoke(instance, io, name, args) {
  io.errors = [];
  if (instance.exports[name](...args) !== 0) {
    const message = io.errors.map((c) => new TextDecoder().decode(c)).join('');
    throw new Error(message || `the trace tool's ${name} failed`);
  }
}

/** The tool's check of a run that goes on (`Tool.runCheck`). */
export class RunCheck {
  constructor(instance, io) {
    this.instance = instance;
    this.io = io;
  }

  /** Hands over `chunks`, the raw trace's chunks recorded since the last call. */
  feed(chunks) {
    if (chunks.length === 0) return;
    this.io.input = bytesInput(concat(chunks));
    invoke(this.instance, this.io, 'wthreads_tool_check_feed', []);
  }

  /**
   * Checks what it was fed up to the horizon of order counter value `counter` (a BigInt, read
   * first) and what the page then saw of the threads with all they sent fed: `idle`, ids of
   * those that block, and `since`, [id, counter] of those that run, each taking no place before
   * its counter. Each report's chunk goes to `out(chunk)`.
   */
  advance(counter, idle, since, out) {
    // (id, 0, 0) for a thread that blocks, (id, 1, counter) for one that runs.
    const records = [...idle.map((tid) => [BigInt(tid), 0n, 0n]), ...since.map(([tid, c]) => [BigInt(tid), 1n, c])];
    this.io.input = bytesInput(new Uint8Array(BigInt64Array.from(records.flat()).buffer));
    this.io.sinks = { [OUT]: out };
    invoke(this.instance, this.io, 'wthreads_tool_check_advance', [counter]);
  }

  /**
   * Ends the check of the run, which ended: the rest of the reports go to `out(chunk)`; returns
   * the summary of what it reported ("1 data race reported"), or null.
   */
  end(out) {
    const summary = [];
    this.io.sinks = { [OUT]: out, [SIDE]: (c) => summary.push(c) };
    invoke(this.instance, this.io, 'wthreads_tool_check_end', []);
    return summary.length > 0 ? new TextDecoder().decode(concat(summary)) : null;
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
