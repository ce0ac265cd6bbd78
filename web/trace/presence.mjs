// What the page's ongoing check (`check.mjs`) must know of the threads of a traced run to tell
// how far it may check while the run goes on (docs/check.md, "When a report comes"; the native
// host's `host/src/trace/analysis.rs` keeps the same): words per thread record (a control
// block slot's thread, and the main thread after them), written only by the worker that runs
// the thread (and by its spawner before it can run), read by the page.
//
// Two words per record. The first is 0 (no thread), RUNS with the order counter's value when the
// thread started or last stopped blocking (its later items come after it), or BLOCKS (it takes
// no place in the order until it runs again; a thread that ended stays BLOCKS until its record
// is reused). The second is the output seq the runtime had reached when the thread last sent
// everything it had recorded (before it blocked or ended): what it sent before may still be on
// its way to the page, and nothing in it can be passed until the page has handled it.
const RUNS = 1n;
const BLOCKS = 2n;

export class Presence {
  /** The words for `records` thread records, or the words in `buffer` (a SharedArrayBuffer). */
  constructor(recordsOrBuffer) {
    this.buffer = typeof recordsOrBuffer === 'number' ? new SharedArrayBuffer(recordsOrBuffer * 16) : recordsOrBuffer;
    this.words = new BigInt64Array(this.buffer);
  }

  /**
   * The thread of `record` runs, and takes no place in the order below `counter` (the order
   * counter's value, read before this call): at its start, before it can run, and when it stops
   * blocking, before it takes a place.
   */
  runs(record, counter) {
    Atomics.store(this.words, 2 * record, (counter << 2n) | RUNS);
  }

  /**
   * The thread of `record` blocks (or ended) with everything it recorded sent, once the
   * runtime's output seq is `outputs`.
   */
  blocks(record, outputs) {
    // The seq first: a page that sees the state sees it (and keeps it once the thread runs again).
    Atomics.store(this.words, 2 * record + 1, BigInt(outputs));
    Atomics.store(this.words, 2 * record, BLOCKS);
  }

  /**
   * The order counter's value below which no thread can still hand over an item, given the
   * counter's value `counter` (read before this call) and that the page has handled every
   * output below seq `handled`. A thread whose items may still be on their way holds it at 0;
   * one that blocks bounds it by `counter`, one that runs by where it started running.
   */
  horizon(counter, handled) {
    let horizon = counter;
    const h = BigInt(handled);
    for (let r = 0; 2 * r < this.words.length; r++) {
      const state = Atomics.load(this.words, 2 * r);
      if (state === 0n) continue;
      const sent = Atomics.load(this.words, 2 * r + 1);
      const bound = sent > h ? 0n : (state & 3n) === RUNS ? state >> 2n : counter;
      if (bound < horizon) horizon = bound;
    }
    return horizon;
  }
}
