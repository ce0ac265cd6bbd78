// What the page's check of a run going on (`check.mjs`) learns from the workers, beside the
// trace's chunks: which threads block with everything they recorded sent, and how many chunks
// that was (docs/check.md, "When a report comes"). A record per thread, as the watch table's (a
// control block slot's thread, and the main thread after them), written only by the worker that
// runs the thread, read by the page.
//
// A record (Int32 words): STATE, the generation of the thread's last change (counting every
// block and every run) times 4, plus BLOCKS while it blocks; TID, the thread blocking; SENT, the
// thread's chunks sent before it blocked. The page takes a record only if STATE read the same
// before and after TID and SENT.
const STATE = 0;
const TID = 1;
const SENT = 2;
const RECORD = 3;
const BLOCKS = 1;

export class Presence {
  /** The words for `records` thread records, or the words in `buffer` (a SharedArrayBuffer). */
  constructor(recordsOrBuffer) {
    this.buffer =
      typeof recordsOrBuffer === 'number' ? new SharedArrayBuffer(recordsOrBuffer * RECORD * 4) : recordsOrBuffer;
    this.words = new Int32Array(this.buffer);
  }

  /**
   * Thread `tid` of `record` blocks, having sent `sent` chunks: it takes no place in the order
   * until it runs again (`runs`).
   */
  blocks(record, tid, sent) {
    const at = record * RECORD;
    Atomics.store(this.words, at + TID, tid);
    Atomics.store(this.words, at + SENT, sent);
    Atomics.store(this.words, at + STATE, ((Atomics.load(this.words, at + STATE) >> 2) + 1) * 4 + BLOCKS);
  }

  /** The thread of `record` runs again, before it takes a place in the order. */
  runs(record) {
    const at = record * RECORD;
    Atomics.store(this.words, at + STATE, ((Atomics.load(this.words, at + STATE) >> 2) + 1) * 4);
  }

  /**
   * The threads that block with everything they sent handled: those whose chunks the page has
   * handled as many as they sent, `handled(record, tid)` saying how many that is.
   */
  idle(handled) {
    const idle = [];
    for (let at = 0; at < this.words.length; at += RECORD) {
      const state = Atomics.load(this.words, at + STATE);
      if ((state & 3) !== BLOCKS) continue;
      const tid = Atomics.load(this.words, at + TID);
      const sent = Atomics.load(this.words, at + SENT);
      if (Atomics.load(this.words, at + STATE) === state && handled(at / RECORD, tid) === sent) idle.push(tid);
    }
    return idle;
  }
}
