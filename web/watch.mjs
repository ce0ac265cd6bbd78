// The deadlock watch's table: one SharedArrayBuffer shared by the page and every worker, with a
// record per thread (a control block slot's thread, and the main thread after them) saying what
// it waits for with no timeout, and the owner values of the threads that ended by a trap. Each
// worker writes only its thread's record; the page's watchdog (`watchdog.mjs`) reads them all
// (docs/check.md, "Deadlocks"). The native host's `host/src/watch` does the same.
//
// Header (Int32 words):
const DEADLOCKED = 0; // 1 once the watchdog found a deadlock: every wait then ends its thread
const MAIN_LIVE = 1; // 1 while the main thread runs the invoked export
const DEAD_COUNT = 2; // owner values below, of threads that ended by a trap
const DEAD_CAP = 64;
const HEADER = 4 + DEAD_CAP;
// A record (Int32 words):
const R_GEN = 0; // counts every start and end of a wait
const R_KIND = 1; // NONE, FUTEX, JOIN
const R_ADDR = 2; // futex: the word; join: the joined thread's id
const R_EXPECTED = 3;
const R_WHAT = 4; // the last wait context event's kind (abi.NO_WAIT_CONTEXT: none)
const R_WHAT_ADDR = 5;
const R_THREAD = 6; // the thread pointer
const R_FRAMES_LEN = 7;
const R_FRAMES_FOR = 8; // the generation of the wait the frames are of (0: none)
const R_WANT_FRAMES = 9; // set by the watchdog: note the functions you wait in when you wake
const RECORD = 10;
const FRAMES_CAP = 1024;

export const NONE = 0;
export const FUTEX = 1;
export const JOIN = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class WatchTable {
  /** Creates the table for `slots` control block slots (and the main thread), or wraps one. */
  constructor(slotsOrBuffer) {
    if (typeof slotsOrBuffer === 'number') {
      const records = slotsOrBuffer + 1;
      this.buffer = new SharedArrayBuffer((HEADER + records * RECORD) * 4 + records * FRAMES_CAP);
    } else {
      this.buffer = slotsOrBuffer;
    }
    this.i32 = new Int32Array(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
    this.records = (this.buffer.byteLength / 4 - HEADER) / (RECORD + FRAMES_CAP / 4);
    this.main = this.records - 1;
    this.textBase = (HEADER + this.records * RECORD) * 4;
  }

  at(record, field) {
    return HEADER + record * RECORD + field;
  }

  get(record, field) {
    return Atomics.load(this.i32, this.at(record, field));
  }

  /**
   * Notes that the thread of `record` waits. Frames noted in the wait it left last stay its
   * frames if this one is the same (a thread the watchdog woke to note them waits again).
   */
  enter(record, kind, addr, expected = 0, what = -1, whatAddr = 0, thread = 0) {
    const same =
      this.get(record, R_FRAMES_FOR) !== 0 &&
      this.get(record, R_ADDR) === addr &&
      this.get(record, R_EXPECTED) === expected &&
      this.get(record, R_WHAT) === what;
    for (const [f, v] of [[R_ADDR, addr], [R_EXPECTED, expected], [R_WHAT, what], [R_WHAT_ADDR, whatAddr], [R_THREAD, thread]]) {
      Atomics.store(this.i32, this.at(record, f), v);
    }
    Atomics.store(this.i32, this.at(record, R_KIND), kind);
    const gen = Atomics.add(this.i32, this.at(record, R_GEN), 1) + 1;
    Atomics.store(this.i32, this.at(record, R_FRAMES_FOR), same ? gen : 0);
  }

  leave(record) {
    Atomics.store(this.i32, this.at(record, R_KIND), NONE);
    Atomics.add(this.i32, this.at(record, R_GEN), 1);
  }

  /** Asks the thread of `record` for the functions it waits in, when it wakes. */
  wantFrames(record) {
    Atomics.store(this.i32, this.at(record, R_WANT_FRAMES), 1);
  }

  /** Whether the watchdog asked for the functions the thread waits in (asks once). */
  framesWanted(record) {
    return Atomics.exchange(this.i32, this.at(record, R_WANT_FRAMES), 0) === 1;
  }

  /** Keeps the functions the thread of `record` waits in (or, after `leave`, waited in). */
  setFrames(record, text) {
    const bytes = encoder.encode(text).subarray(0, FRAMES_CAP);
    this.bytes.set(bytes, this.textBase + record * FRAMES_CAP);
    Atomics.store(this.i32, this.at(record, R_FRAMES_LEN), bytes.length);
    Atomics.store(this.i32, this.at(record, R_FRAMES_FOR), this.get(record, R_GEN) | 1);
  }

  /** What the thread of `record` waits for now: `{gen, kind, addr, expected, what, whatAddr, thread, frames}`. */
  snapshot(record) {
    const gen = this.get(record, R_GEN);
    const framesFor = this.get(record, R_FRAMES_FOR);
    const base = this.textBase + record * FRAMES_CAP;
    const frames = framesFor !== 0 ? decoder.decode(this.bytes.slice(base, base + this.get(record, R_FRAMES_LEN))) : '';
    return {
      gen,
      kind: this.get(record, R_KIND),
      addr: this.get(record, R_ADDR),
      expected: this.get(record, R_EXPECTED),
      what: this.get(record, R_WHAT),
      whatAddr: this.get(record, R_WHAT_ADDR),
      thread: this.get(record, R_THREAD),
      frames: frames ? frames.split('\n') : [],
    };
  }

  setMainLive(live) {
    Atomics.store(this.i32, MAIN_LIVE, live ? 1 : 0);
  }

  mainLive() {
    return Atomics.load(this.i32, MAIN_LIVE) === 1;
  }

  /** A thread whose owner value is `owner` ended by a trap (the first `DEAD_CAP` are kept). */
  died(owner) {
    const n = Atomics.add(this.i32, DEAD_COUNT, 1);
    if (n < DEAD_CAP) Atomics.store(this.i32, 4 + n, owner);
  }

  isDead(owner) {
    const n = Math.min(Atomics.load(this.i32, DEAD_COUNT), DEAD_CAP);
    for (let i = 0; i < n; i++) if (Atomics.load(this.i32, 4 + i) === owner) return true;
    return false;
  }

  deadlocked() {
    return Atomics.load(this.i32, DEADLOCKED) === 1;
  }

  setDeadlocked() {
    Atomics.store(this.i32, DEADLOCKED, 1);
  }
}
