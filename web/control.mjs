// The control block: one SharedArrayBuffer shared by the page and every worker, holding the
// thread table. Guest memory is never used for the runtime's own state.
//
// Header (Int32 words):
const NEXT_TID = 0; // next thread id to hand out
const PENDING = 1; // futex word: bumped when a thread is queued; idle workers sleep on it
const IDLE = 2; // workers waiting for a thread to run
const OUT_SEQ = 4; // sequence number of the next output record
const MAX_THREADS = 5; // the limit of live threads
const QUEUED = 6; // threads waiting for a worker
const HEADER = 8;
// A slot (Int32 words), one per live or unjoined thread:
export const S_STATE = 0; // FREE, STARTING, RUNNING, RETURNED, TRAPPED
export const S_TID = 1;
export const S_FLAGS = 2; // DETACHED, JOINING
export const S_START_ARG = 3;
export const S_STACK_TOP = 4;
export const S_TLS = 5;
export const S_EXIT_WORD = 6;
export const S_MSG_LEN = 7;
export const S_NAME_LEN = 8;
export const S_STACK_LIMIT = 9;
export const S_PARENT = 10; // the spawning thread's id (traced runs only)
const SLOT = 12;
const MSG_CAP = 1024;
const NAME_CAP = 64;

export const FREE = 0;
export const STARTING = 1;
export const RESERVED = 5;
export const RUNNING = 2;
export const RETURNED = 3;
export const TRAPPED = 4;
export const DETACHED = 1;
export const JOINING = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Control {
  /** Creates the block for at most `maxThreads` live threads, or wraps an existing one. */
  constructor(maxThreadsOrBuffer) {
    if (typeof maxThreadsOrBuffer === 'number') {
      const slots = maxThreadsOrBuffer;
      const words = HEADER + slots * SLOT;
      const bytes = words * 4 + slots * (MSG_CAP + NAME_CAP);
      this.buffer = new SharedArrayBuffer(bytes);
      this.i32 = new Int32Array(this.buffer);
      this.i32[NEXT_TID] = 2;
      this.i32[MAX_THREADS] = slots;
    } else {
      this.buffer = maxThreadsOrBuffer;
      this.i32 = new Int32Array(this.buffer);
    }
    this.slots = this.i32[MAX_THREADS];
    this.bytes = new Uint8Array(this.buffer);
    this.textBase = (HEADER + this.slots * SLOT) * 4;
  }

  word(slot, field) {
    return HEADER + slot * SLOT + field;
  }

  get(slot, field) {
    return Atomics.load(this.i32, this.word(slot, field));
  }

  set(slot, field, value) {
    Atomics.store(this.i32, this.word(slot, field), value);
  }

  /** Claims a free slot for a new thread; -1 if the limit of live threads is reached. */
  allocate() {
    for (let s = 0; s < this.slots; s++) {
      if (Atomics.compareExchange(this.i32, this.word(s, S_STATE), FREE, RESERVED) === FREE) {
        this.set(s, S_FLAGS, 0);
        this.set(s, S_TID, Atomics.add(this.i32, NEXT_TID, 1));
        return s;
      }
    }
    return -1;
  }

  /** Whether thread `tid` has a slot and has not ended. */
  isLive(tid) {
    const s = this.find(tid);
    const state = s < 0 ? FREE : this.get(s, S_STATE);
    return state === RESERVED || state === STARTING || state === RUNNING;
  }

  /** The slot of thread `tid`, or -1. */
  find(tid) {
    for (let s = 0; s < this.slots; s++) {
      if (this.get(s, S_STATE) !== FREE && this.get(s, S_TID) === tid) return s;
    }
    return -1;
  }

  /**
   * Queues `slot` (already filled in) for a worker. Returns whether more workers are needed:
   * then the caller asks the page to start one (only the page creates workers).
   */
  queue(slot) {
    Atomics.add(this.i32, QUEUED, 1);
    Atomics.store(this.i32, this.word(slot, S_STATE), STARTING);
    Atomics.add(this.i32, PENDING, 1);
    Atomics.notify(this.i32, PENDING, 1);
    return this.shortOfWorkers(0);
  }

  /** Whether queued threads outnumber idle workers plus `booting` ones. */
  shortOfWorkers(booting) {
    return Atomics.load(this.i32, QUEUED) > Atomics.load(this.i32, IDLE) + booting;
  }

  /**
   * Takes a queued thread for this worker, sleeping while none is queued. Returns the slot and
   * whether more workers are needed now that this one is busy.
   */
  take() {
    Atomics.add(this.i32, IDLE, 1);
    for (;;) {
      const seen = Atomics.load(this.i32, PENDING);
      for (let s = 0; s < this.slots; s++) {
        if (Atomics.compareExchange(this.i32, this.word(s, S_STATE), STARTING, RUNNING) === STARTING) {
          Atomics.sub(this.i32, IDLE, 1);
          Atomics.sub(this.i32, QUEUED, 1);
          return { slot: s, short: this.shortOfWorkers(0) };
        }
      }
      Atomics.wait(this.i32, PENDING, seen);
    }
  }

  /** Records how the thread in `slot` ended; frees the slot if it is detached. */
  finish(slot, trapped, message) {
    if (trapped) this.setText(slot, 0, MSG_CAP, S_MSG_LEN, message);
    const state = this.word(slot, S_STATE);
    const end = trapped ? TRAPPED : RETURNED;
    Atomics.store(this.i32, state, end);
    Atomics.notify(this.i32, state);
    // `detach` may set the flag at any time: whichever of the two sees both frees the slot.
    if (this.get(slot, S_FLAGS) & DETACHED) Atomics.compareExchange(this.i32, state, end, FREE);
  }

  /** Marks thread `tid` as detached; returns 0 or an error code. */
  detach(tid) {
    const s = this.find(tid);
    if (s < 0) return -1;
    const old = Atomics.or(this.i32, this.word(s, S_FLAGS), DETACHED);
    if (old & JOINING) return -3;
    if (old & DETACHED) return -1;
    const state = this.word(s, S_STATE);
    const now = Atomics.load(this.i32, state);
    if (now === RETURNED || now === TRAPPED) Atomics.compareExchange(this.i32, state, now, FREE);
    return 0;
  }

  /**
   * Blocks until thread `tid` ended; returns `{trapped, message}` or an error code. Every
   * `patienceMs` of waiting it asks `goOn`, and gives up (`ERR_INVALID_ARGUMENT`) if it says no.
   */
  join(tid, patienceMs = Infinity, goOn = () => true) {
    const s = this.find(tid);
    if (s < 0) return -1;
    const old = Atomics.or(this.i32, this.word(s, S_FLAGS), JOINING);
    if (old & DETACHED) return -1;
    if (old & JOINING) return -3;
    const state = this.word(s, S_STATE);
    for (;;) {
      const now = Atomics.load(this.i32, state);
      if (now === RETURNED || now === TRAPPED) {
        const result = { trapped: now === TRAPPED, message: now === TRAPPED ? this.message(s) : '' };
        Atomics.store(this.i32, state, FREE);
        return result;
      }
      if (Atomics.wait(this.i32, state, now, patienceMs) === 'timed-out' && !goOn()) {
        Atomics.and(this.i32, this.word(s, S_FLAGS), ~JOINING);
        return -9;
      }
    }
  }

  nextOutputSeq() {
    return Atomics.add(this.i32, OUT_SEQ, 1);
  }

  outputSeq() {
    return Atomics.load(this.i32, OUT_SEQ);
  }

  setText(slot, offset, cap, lenField, text) {
    const bytes = encoder.encode(text).subarray(0, cap);
    const base = this.textBase + slot * (MSG_CAP + NAME_CAP) + offset;
    for (let i = 0; i < bytes.length; i++) this.bytes[base + i] = bytes[i];
    this.set(slot, lenField, bytes.length);
  }

  text(slot, offset, lenField) {
    const base = this.textBase + slot * (MSG_CAP + NAME_CAP) + offset;
    const len = this.get(slot, lenField);
    return decoder.decode(this.bytes.slice(base, base + len));
  }

  setName(slot, name) {
    this.setText(slot, MSG_CAP, NAME_CAP, S_NAME_LEN, name);
  }

  name(slot) {
    return this.text(slot, MSG_CAP, S_NAME_LEN);
  }

  message(slot) {
    return this.text(slot, 0, S_MSG_LEN);
  }
}
