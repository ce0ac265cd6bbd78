// The files of `trace` in Node (`node web/cli.mjs trace`, the Chromium runner), as `wthreads
// trace` writes them: the raw trace is recorded to a file (the output itself for `--format
// raw`), then the tool module converts it to the format asked for and the timeline page; and
// the tool module that `check` analyses with.
import { closeSync, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tool } from './tool.mjs';

/**
 * Loads the tool module (from `WTHREADS_TOOL`, or its default place) and says where a trace
 * goes for the options `{ format, output, html }`: `{ tool, raw, format, output, side, html }`
 * (`output` `-`: standard output). Throws for a tool that cannot be loaded or an unknown format.
 */
export async function tracePlan({ format, output, html }) {
  const tool = await Tool.load(process.env.WTHREADS_TOOL || undefined);
  const formats = await tool.formats();
  const f = formats.find((x) => x.name === format);
  if (!f) throw new Error(`unknown trace format \`${format}\` (${formats.map((x) => x.name).join(', ')})`);
  const out = output ?? f.file;
  const toStdout = out === '-';
  const direct = f.name === 'raw' && !toStdout && !html;
  return {
    tool,
    raw: direct ? out : join(tmpdir(), `wthreads-trace-${process.pid}.wtrace`),
    format: f.name,
    output: out,
    // RAPID's location table goes beside the output (`trace.rapid.locations` for stdout).
    side: f.side ? `${toStdout ? f.file : out}${f.side}` : null,
    html,
  };
}

/** Loads the tool module (as `tracePlan` does) for `check`: `{ tool }`. */
export async function loadTool() {
  return { tool: await Tool.load(process.env.WTHREADS_TOOL || undefined) };
}

/** The raw trace open as `fd`, as the tool's input. */
function fileInput(fd) {
  return {
    length: fstatSync(fd).size,
    read(offset, length) {
      const b = Buffer.alloc(length);
      readSync(fd, b, 0, length, offset);
      return b;
    },
  };
}

/** A sink of chunks into file descriptor `fd`. */
const into = (fd) => (chunk) => writeSync(fd, chunk);

/**
 * Writes what `plan` (of `tracePlan`) asks for from its raw trace (the timeline, the converted trace) and removes
 * the raw file if it is not the output. Throws with the path that cannot be written.
 */
export async function writeOutputs(plan) {
  const { tool } = plan;
  const raw = openSync(plan.raw, 'r');
  try {
    if (plan.html) await writeFile(plan.html, (fd) => tool.timeline(fileInput(raw), into(fd)));
    if (plan.raw !== plan.output) {
      let side = null;
      const sideSink = (chunk) => {
        side ??= open(plan.side);
        writeSync(side, chunk);
      };
      try {
        if (plan.output === '-') await tool.convert(fileInput(raw), plan.format, (c) => process.stdout.write(c), sideSink);
        else await writeFile(plan.output, (fd) => tool.convert(fileInput(raw), plan.format, into(fd), sideSink));
      } finally {
        if (side !== null) closeSync(side);
      }
    }
  } finally {
    closeSync(raw);
    if (plan.raw !== plan.output) unlinkSync(plan.raw);
  }
}

/** Opens `path` for writing; an error names it. */
export function open(path) {
  try {
    return openSync(path, 'w');
  } catch (e) {
    throw new Error(`cannot write ${path}: ${e.message}`);
  }
}

async function writeFile(path, write) {
  const fd = open(path);
  try {
    await write(fd);
  } finally {
    closeSync(fd);
  }
}
