// What the page's check of a run going on (`check.mjs`) learns from the workers, beside the
// trace's chunks: which threads block with everything they recorded sent, and from which value
// of the order counter on a thread that runs again takes its places (docs/check.md, "When a
// report comes"). A record per thread, as the watch table's (a control block slot's thread, and
// the main thread after them), written only by the worker that runs the thread, read by the page.
//
// A record (BigInt64 words): STATE, the generation of the thread's last change (counting every
// block and every run) times 4, plus BLOCKS or RUNS; TID, the thread; SENT, the thread's chunks
// sent before that change; SINCE, for RUNS, the order counter's value when it started or
// stopped blocking (it takes no place before it). The page takes a record only if STATE read
// the same before and after the other words.
const STATE = 0;
const TID = 1;
const SENT = 2;
const SINCE = 3;
const RECORD = 4;
const BLOCKS = 1n;
const RUNS = 2n;

export class Presence {
  /** The words for `records` thread records, or the words in `buffer` (a SharedArrayBuffer). */
  constructor(recordsOrBuffer) {
    this.buffer =
      typeof recordsOrBuffer === 'number' ? new SharedArrayBuffer(recordsOrBuffer * RECORD * 8) : recordsOrBuffer;
    this.words = new BigInt64Array(this.buffer);
  }

  /** Stores the record's words, then its new state (the next generation). */
  set(record, state, tid, sent, since) {
    const at = record * RECORD;
    Atomics.store(this.words, at + TID, BigInt(tid));
    Atomics.store(this.words, at + SENT, BigInt(sent));
    Atomics.store(this.words, at + SINCE, since);
    Atomics.store(this.words, at + STATE, ((Atomics.load(this.words, at + STATE) >> 2n) + 1n) * 4n + state);
  }

  /** Thread `tid` of `record` blocks, having sent `sent` chunks: it takes no place until it runs. */
  blocks(record, tid, sent) {
    this.set(record, BLOCKS, tid, sent, 0n);
  }

  /**
   * Thread `tid` of `record` starts or runs again, having sent `sent` chunks, and takes no place
   * before the order counter's value `since` (read before this call).
   */
  runs(record, tid, sent, since) {
    this.set(record, RUNS, tid, sent, since);
  }

  /**
   * What the records tell of the threads whose chunks the page has handled as many as they
   * sent (`handled(record, tid)` says how many that is): `idle`, the ids of those that block,
   * and `since`, [id, counter] of those that run, each taking no place before its counter.
   */
  bounds(handled) {
    const idle = [];
    const since = [];
    for (let at = 0; at < this.words.length; at += RECORD) {
      const state = Atomics.load(this.words, at + STATE);
      if (state === 0n) continue;
      const tid = Number(Atomics.load(this.words, at + TID));
      const sent = Number(Atomics.load(this.words, at + SENT));
      const counter = Atomics.load(this.words, at + SINCE);
      if (Atomics.load(this.words, at + STATE) !== state || handled(at / RECORD, tid) < sent) continue;
      if ((state & 3n) === BLOCKS) idle.push(tid);
      else since.push([tid, counter]);
    }
    return { idle, since };
  }
}
