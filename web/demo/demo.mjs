// The demo page: renders with the guest's `render(width, height, threads)` in one `Runtime`,
// compiled and started once with its pool warm, shows the median time of a few runs and the
// speedup over one thread, and draws the picture with which thread computed each row.
//
// URL parameters: `module` (default ./mandelbrot.wasm), `size` (WIDTHxHEIGHT), `threads`,
// `autorun` (render once on load). The page sets `document.body.dataset.state` to
// `ready`, `running`, `done` or `error`, and keeps its measurements in `window.demoResults` and
// the last render's thread per row in `window.demoRows`.
// The Timeline button renders once traced (a run of its own) and shows the timeline page the
// trace tool makes (in an iframe; `window.demoTimeline` has its HTML).
import { Runtime, run, checkIsolation, Tool } from '../wthreads.mjs';
import { bytesInput, concat } from '../trace/tool.mjs';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const moduleUrl = params.get('module') ?? './mandelbrot.wasm';
const results = [];
window.demoResults = results;
let bytes = null;
let runtime = null;
const output = { onStdout: (text) => console.log(text), onStderr: (text) => console.error(text) };

function setState(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = text;
  $('status').className = state === 'error' ? 'error' : '';
}

async function load() {
  checkIsolation();
  const response = await fetch(moduleUrl);
  if (!response.ok) throw new Error(`cannot load ${moduleUrl}: HTTP ${response.status}`);
  bytes = new Uint8Array(await response.arrayBuffer());
  // One worker per core waits in the pool before the first click.
  runtime = await Runtime.create(bytes, { poolSize: navigator.hardwareConcurrency || 2, ...output });
}

/** Renders per click and thread count, the time shown being their median. */
const SAMPLES = 3;

/**
 * Renders `SAMPLES` times in the page's runtime; resolves to `{ ms, pixels, rows }`: the median
 * time, one grey byte per pixel, and which thread (0, 1, …) computed each row.
 */
async function render(width, height, threads) {
  const times = [];
  let ptr = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const start = performance.now();
    ptr = await runtime.call('render', width, height, threads);
    times.push(performance.now() - start);
  }
  const ms = times.sort((a, b) => a - b)[Math.floor(SAMPLES / 2)];
  const rows = runtime.readBytes((await runtime.call('row_threads')) >>> 0, height);
  return { ms, pixels: runtime.readBytes(ptr >>> 0, width * height), rows };
}

/** The colour of thread `t` of `threads`. */
const colour = (t, threads) => `hsl(${Math.round((t * 360) / threads)} 75% 50%)`;

/** Draws beside the picture which thread computed each row, a colour per thread, and its key. */
function drawRows(rows, threads) {
  const strip = $('rows');
  strip.width = 12;
  strip.height = rows.length;
  const ctx = strip.getContext('2d');
  for (let y = 0; y < rows.length; y++) {
    ctx.fillStyle = colour(rows[y], threads);
    ctx.fillRect(0, y, strip.width, 1);
  }
  const key = $('rows-key');
  key.replaceChildren('rows computed by thread ');
  for (let t = 0; t < threads; t++) {
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colour(t, threads);
    swatch.textContent = t;
    key.append(swatch);
  }
  window.demoRows = Array.from(rows);
}

/** Renders once in a run of its own, traced; resolves to `{ ms, pixels, trace }` (the raw trace). */
async function renderTraced(width, height, threads, tool) {
  const { value: ptr, elapsedMs, memory, trace } = await run(bytes, { invoke: 'render', args: [width, height, threads], trace: { tool }, ...output });
  // The workers grew the memory; bring this thread's view of it up to date before reading.
  memory.grow(0);
  return { ms: elapsedMs, pixels: new Uint8Array(memory.buffer, ptr >>> 0, width * height).slice(), trace };
}

function draw(width, height, pixels) {
  const canvas = $('picture');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(width, height);
  for (let i = 0; i < pixels.length; i++) {
    const g = pixels[i];
    image.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

function show(entry) {
  const row = document.createElement('tr');
  const speedup = entry.speedup === null ? '' : `${entry.speedup.toFixed(2)}x`;
  for (const cell of [entry.threads, `${entry.width}×${entry.height}`, entry.ms.toFixed(1), speedup, `median of ${SAMPLES}`]) {
    const td = document.createElement('td');
    td.textContent = cell;
    row.append(td);
  }
  $('results').prepend(row);
}

const baseline = (width, height) => results.find((r) => r.threads === 1 && r.width === width && r.height === height);

async function renderClicked() {
  const threads = Math.max(1, Math.min(64, Number($('threads').value) || 1));
  const [width, height] = $('size').value.split('x').map(Number);
  $('render').disabled = true;
  try {
    // The speedup needs a one-thread time at this size: measure it first if there is none.
    for (const n of baseline(width, height) || threads === 1 ? [threads] : [1, threads]) {
      setState('running', `rendering with ${n} thread${n === 1 ? '' : 's'}…`);
      const { ms, pixels, rows } = await render(width, height, n);
      const base = n === 1 ? ms : baseline(width, height).ms;
      const entry = { threads: n, width, height, ms, speedup: base / ms, samples: SAMPLES };
      results.push(entry);
      show(entry);
      draw(width, height, pixels);
      drawRows(rows, n);
    }
    const last = results[results.length - 1];
    const threadsText = `${last.threads} thread${last.threads === 1 ? '' : 's'}`;
    setState('done', `${threadsText}: ${last.ms.toFixed(1)} ms (median of ${SAMPLES} runs), ${last.speedup.toFixed(2)}x the speed of 1 thread`);
  } catch (e) {
    setState('error', `error: ${e.message}`);
  } finally {
    $('render').disabled = false;
  }
}

let tool = null;

/** Renders once traced and shows the timeline of the run. */
async function timelineClicked() {
  const threads = Math.max(1, Math.min(64, Number($('threads').value) || 1));
  const [width, height] = $('size').value.split('x').map(Number);
  $('render').disabled = $('timeline').disabled = true;
  try {
    setState('running', 'loading the trace tool…');
    tool ??= await Tool.load();
    setState('running', `rendering traced with ${threads} thread${threads === 1 ? '' : 's'}…`);
    const { ms, pixels, trace } = await renderTraced(width, height, threads, tool);
    draw(width, height, pixels);
    const chunks = [];
    await tool.timeline(bytesInput(trace), (c) => chunks.push(c));
    const html = new TextDecoder().decode(concat(chunks));
    window.demoTimeline = html;
    const view = $('timeline-view');
    view.srcdoc = html;
    view.hidden = false;
    setState('done', `traced: ${ms.toFixed(1)} ms, a ${(trace.length / 1024).toFixed(0)} KiB trace; hover the timeline for each event`);
  } catch (e) {
    setState('error', `error: ${e.message}`);
  } finally {
    $('render').disabled = $('timeline').disabled = false;
  }
}

$('threads').value = params.get('threads') ?? String(navigator.hardwareConcurrency || 2);
if (params.get('size')) {
  const size = params.get('size');
  if (![...$('size').options].some((o) => o.value === size)) $('size').append(new Option(size.replace('x', ' × '), size));
  $('size').value = size;
}
$('render').addEventListener('click', renderClicked);
$('timeline').addEventListener('click', timelineClicked);
try {
  await load();
  setState('ready', 'ready');
  if (params.has('autorun')) await renderClicked();
} catch (e) {
  $('render').disabled = $('timeline').disabled = true;
  setState('error', `error: ${e.message}`);
}
