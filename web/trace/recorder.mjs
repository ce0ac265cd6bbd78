// Recording a traced run in the web runtime's workers, in the raw format the native host writes
// (docs/trace.md, "raw"; `wthreads_trace::raw`, whose reader the tests run on these traces):
// each worker collects the items of the guest thread it runs in a buffer of its own and sends
// full buffers, and the buffer of a thread that ended, to the page as THREAD chunks; the page
// writes them after the header (`TraceFile`). One shared counter orders every event. The format's
// constants below are `wthreads_trace::raw`'s (host/tests/contract.rs checks them).
import * as abi from '../abi.mjs';

/** The raw format's chunk of a thread's items (`wthreads_trace::raw::THREAD`). */
export const THREAD = 1;
const TEXT = 2;
const END = 4;
const ITEM_EVENT = 1;
const ITEM_ACCESSES = 2;
const EVENT_SIZE = 44;
const ACCESSES_HEADER = 20;
const MAGIC = 'WTRACE03';
/** The site of an event outside any call (`wthreads_trace::NO_SITE`). */
export const NO_SITE = 0xffffffff;
/** Bytes of items a worker collects before it sends them (as the native host's). */
const BUFFER = 64 << 10;
/** Bytes of an instance's access buffer (`--memory`: one page), which an accesses item holds at most. */
const ACCESS_BUFFER = 64 << 10;

// The shared state: the order counter, the next seq (i64, where a module instrumented with
// `--memory` takes its atomic accesses' seqs too), the clock's zero (i64, 0 until the first
// event), the next text id (i32), the bytes of chunks sent that the page has not handled yet
// (i32).
const SEQ = 0;
const EPOCH = 1;
const NEXT_TEXT = 4;
const UNHANDLED = 5;
/**
 * Bytes of chunks sent and not yet handled by the page past which a worker waits before it
 * sends more: a page that falls behind (a check analysing as it goes) must not make the run's
 * trace pile up in its message queue.
 */
const UNHANDLED_CAP = 32 << 20;
/** How long a worker held back that way waits before it looks again, in ms. */
const UNHANDLED_PATIENCE_MS = 10;

/**
 * The state the workers of one traced run share: the memory every instance imports as
 * `wthreads_trace.order` (`abi.TRACE_ORDER_MEMORY`).
 */
export function sharedState() {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  new Int32Array(memory.buffer)[NEXT_TEXT] = 1;
  return memory;
}

/** The page handled a chunk of `length` bytes (of the run's `sharedState()` `state`). */
export function handled(state, length) {
  const words = new Int32Array(state.buffer);
  Atomics.sub(words, UNHANDLED, length);
  Atomics.notify(words, UNHANDLED);
}

const encoder = new TextEncoder();

/** A chunk: tag, length, then `parts` (arrays of bytes). */
function chunk(tag, ...parts) {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(8 + len);
  const view = new DataView(out.buffer);
  view.setUint32(0, tag, true);
  view.setUint32(4, len, true);
  let at = 8;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u32(value) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, true);
  return b;
}

export class Recorder {
  /**
   * A worker's recorder over the run's `sharedState()`; `send(chunk, record)` hands a chunk to
   * the page (`record`: the thread record of a thread's chunk), `clockNs()` reads the clock
   * every worker shares (as a BigInt). For a run the page checks as it goes, `presence` (a
   * `Presence`) tells it which threads block.
   */
  constructor(state, send, clockNs, presence = null) {
    this.state = state;
    this.presence = presence;
    this.seq = new BigInt64Array(state.buffer, 0, 2);
    this.texts = new Int32Array(state.buffer);
    this.sendNow = send;
    this.clockNs = clockNs;
    // Room past BUFFER for the item that fills it: an event, or a whole access buffer.
    this.items = new Uint8Array(BUFFER + 1 + ACCESSES_HEADER + ACCESS_BUFFER);
    this.view = new DataView(this.items.buffer);
    this.used = 0;
    this.tid = null;
    this.epoch = 0n;
    // The thread record of the thread this worker runs, and the chunks it sent.
    this.record = null;
    this.sent = 0;
  }

  /** Thread `tid` of record `record` runs on this worker from now on. */
  thread(record, tid) {
    this.flush();
    this.record = record;
    this.sent = 0;
    this.runs(tid);
  }

  /**
   * Thread `tid`, this worker's, blocks: it sends what it recorded (its accesses drained
   * first), and takes no place in the order until `runs`.
   */
  blocks(tid) {
    this.flush();
    this.presence?.blocks(this.record, tid, this.sent);
  }

  /** Thread `tid`, this worker's, starts or blocks no more, before it takes a place in the order. */
  runs(tid) {
    this.presence?.runs(this.record, tid, this.sent, Atomics.load(this.seq, SEQ));
  }

  /** Sends `bytes` (with `record`) once the page has handled enough of what was sent before. */
  send(bytes, record) {
    for (;;) {
      const unhandled = Atomics.load(this.texts, UNHANDLED);
      if (unhandled < UNHANDLED_CAP) break;
      Atomics.wait(this.texts, UNHANDLED, unhandled, UNHANDLED_PATIENCE_MS);
    }
    Atomics.add(this.texts, UNHANDLED, bytes.length);
    this.sendNow(bytes, record);
  }

  /** Nanoseconds since the first event of the run. */
  now() {
    const now = this.clockNs();
    if (this.epoch === 0n) {
      Atomics.compareExchange(this.seq, EPOCH, 0n, now);
      this.epoch = Atomics.load(this.seq, EPOCH);
    }
    const since = now - this.epoch;
    return since > 0n ? since : 0n;
  }

  /** Makes the buffer thread `tid`'s, sending another thread's items first. */
  own(tid) {
    if (this.tid !== tid) {
      this.flush();
      this.tid = tid;
    }
  }

  /**
   * Records an event of thread `tid` (`c` a BigInt), with a text (a name, a message) if given,
   * at `ts` (now if not given). Its seq is taken now, so an event recorded before a release
   * precedes the next acquire.
   */
  event(tid, kind, a, b, c, site, text, ts = this.now()) {
    let id = 0;
    if (text) {
      id = Atomics.add(this.texts, NEXT_TEXT, 1);
      this.send(chunk(TEXT, u32(id), encoder.encode(text)));
    }
    this.own(tid);
    const v = this.view;
    const at = this.used;
    v.setUint8(at, ITEM_EVENT);
    v.setBigInt64(at + 1, Atomics.add(this.seq, SEQ, 1n), true);
    v.setBigUint64(at + 9, ts, true);
    v.setBigInt64(at + 17, c, true);
    v.setInt32(at + 25, kind, true);
    v.setUint32(at + 29, a >>> 0, true);
    v.setUint32(at + 33, b >>> 0, true);
    v.setUint32(at + 37, site >>> 0, true);
    v.setUint32(at + 41, id, true);
    this.used += 1 + EVENT_SIZE;
    if (this.used >= BUFFER) this.flush();
  }

  /**
   * Records the access slots an instance's buffer holds, which precede the thread's next event,
   * at `ts` (the time of that event).
   */
  accesses(tid, slots, ts) {
    this.own(tid);
    const count = Math.floor(slots.length / 8);
    const size = 1 + ACCESSES_HEADER + count * 8;
    if (size > this.items.length - this.used) this.flush();
    const v = this.view;
    const at = this.used;
    v.setUint8(at, ITEM_ACCESSES);
    // No event of this thread can take this place in the order before its next one.
    v.setBigInt64(at + 1, Atomics.load(this.seq, SEQ), true);
    v.setBigUint64(at + 9, ts, true);
    v.setUint32(at + 17, count, true);
    this.items.set(slots.subarray(0, count * 8), at + 1 + ACCESSES_HEADER);
    this.used += size;
    if (this.used >= BUFFER) this.flush();
  }

  /** Sends the buffered items (when full, and when the thread ended). */
  flush() {
    if (this.used > 0) {
      this.send(chunk(THREAD, u32(this.tid), this.items.subarray(0, this.used)), this.record);
      this.sent++;
    }
    this.used = 0;
  }
}

/**
 * What module `wthreads_trace` gives the thread `me` (`{tid, site, instance}`, kept up to date
 * by the worker): the functions, through which the guest's events go to `recorder`, each after
 * the accesses before it (`drain`), and the order counter's memory.
 */
export function traceImports(recorder, me) {
  return {
    event(kind, a, b, c, site) {
      // What the module's own event function keeps when it is not traced (`wait_watched`).
      if (abi.WAIT_CONTEXT_EVENTS.includes(kind & abi.EVENT_MASK)) me.waitContext = [kind, a];
      const ts = recorder.now();
      drain(recorder, me, ts);
      recorder.event(me.tid, kind, a, b, c, site, undefined, ts);
    },
    at(site) {
      drain(recorder, me);
      me.site = site;
    },
    flush() {
      drain(recorder, me);
    },
    [abi.TRACE_ORDER_MEMORY]: recorder.state,
  };
}

/**
 * Hands the accesses in `me.instance`'s buffer (`--memory`) to the recorder, at `ts` (now if
 * not given), and empties it.
 */
export function drain(recorder, me, ts) {
  // The buffer (one page: it never grows) and the cursor of the instance, looked up once per
  // instance, not at every event.
  if (me.buffered !== me.instance) {
    me.buffered = me.instance;
    const exports = me.instance?.exports;
    me.cursor = exports?.[abi.EXPORT_TRACE_CURSOR];
    me.buffer = exports && exports[abi.EXPORT_TRACE_BUFFER] && new Uint8Array(exports[abi.EXPORT_TRACE_BUFFER].buffer);
  }
  const bytes = me.cursor?.value;
  if (!bytes) return;
  recorder.accesses(me.tid, me.buffer.subarray(0, bytes), ts ?? recorder.now());
  me.cursor.value = 0;
}

/**
 * The page's side: the raw file of a traced run, as chunks handed to `write(bytes, record)` in
 * order: the header and location table now, the workers' chunks as they arrive (with the thread
 * record of a thread's chunk, for the check of a run as it goes), END at the end.
 */
export class TraceFile {
  constructor(sites, write) {
    this.write = write;
    write(encoder.encode(MAGIC));
    write(sites);
  }

  /** Marks the trace complete. */
  end() {
    this.write(chunk(END));
  }
}
