// The trace of a runtime's run (its `trace` option, docs/trace.md), on the page: the module
// instrumented by the tool module, the raw file the workers' chunks go to in order, and the check
// of the run as it goes (`check.mjs`).
import { WthreadsError } from '../error.mjs';
import { hasMultiMemory } from '../module-info.mjs';
import { PageCheck } from './check.mjs';
import { Presence } from './presence.mjs';
import { TraceFile, handled, sharedState } from './recorder.mjs';
import { Tool, concat } from './tool.mjs';

/** The tool module of the `trace` option: a `Tool`, or where to load it from (`Tool.load`). */
async function loadTool(tool) {
  try {
    return tool instanceof Tool ? tool : await Tool.load(tool);
  } catch (e) {
    throw new WthreadsError('module', `cannot trace the module: ${e.message}`);
  }
}

/** `bytes` instrumented by `tool` (every access too if `memory`), compiled, and its location table. */
async function instrument(bytes, tool, memory) {
  if (memory && !hasMultiMemory()) {
    throw new WthreadsError(
      'module',
      'tracing memory accesses needs WebAssembly multi-memory (each thread\'s access buffer is a memory of its own), which this engine lacks: use Node.js 22 or later, Chromium 120 or later, or Firefox 125 or later',
    );
  }
  try {
    const traced = await tool.instrument(bytes, memory);
    return { module: await WebAssembly.compile(traced.wasm), sites: traced.sites };
  } catch (e) {
    throw new WthreadsError('module', `cannot trace the module: ${e.message}`);
  }
}

export class TraceSession {
  /**
   * The trace of running `bytes` as the `trace` option `{ memory, write, check, tool }` asks,
   * for a runtime of `records` thread records (the watch table's). `module` is what to run and
   * `shared` what every worker takes (`init.trace`).
   */
  static async start(bytes, trace, records) {
    const tool = await loadTool(trace.tool);
    const traced = await instrument(bytes, tool, trace.memory || !!trace.check);
    const shared = { state: sharedState() };
    let checking = null;
    if (trace.check) {
      const presence = new Presence(records);
      shared.presence = presence.buffer;
      checking = new PageCheck(await tool.runCheck(), shared.state, presence, trace.check);
    }
    return new TraceSession(trace, traced, shared, checking);
  }

  constructor(trace, traced, shared, checking) {
    this.module = traced.module;
    this.shared = shared;
    this.checking = checking;
    // Without a receiver, the bytes are kept for the result.
    this.kept = !trace.write && !trace.check ? [] : null;
    this.file = new TraceFile(traced.sites, (b, record) => {
      trace.write?.(b);
      checking?.handed(b, record);
      this.kept?.push(b);
    });
  }

  /** A chunk a worker sent (`record`: its thread record), in its place in the order. */
  write(bytes, record) {
    this.file.write(bytes, record);
    handled(this.shared.state, bytes.length);
  }

  /** Drops the trace: nothing ran. */
  stop() {
    this.checking?.stop();
  }

  /**
   * Ends the trace once the run ended: what the result has of it, `{ trace }` (the bytes kept)
   * or `{ check, checkEndMs }` (the summary, and how long the check took after the run).
   */
  end() {
    this.file.end();
    if (this.kept) return { trace: concat(this.kept) };
    if (!this.checking) return {};
    const start = performance.now();
    try {
      return { check: this.checking.end(), checkEndMs: performance.now() - start };
    } catch (e) {
      throw new WthreadsError('module', `cannot analyse the run: ${e.message}`);
    }
  }
}
