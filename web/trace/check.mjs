// `check` of a run as it goes, in the page (docs/check.md, "When a report comes"): the trace's
// chunks, as the page handles the workers' messages, go to the tool module's check of the run
// going on, which learns from them which threads may still hand over items and from where. At
// each step the page adds what only it sees: the order counter's value, then, of the threads
// with every chunk they sent handled, those that block and where those that run took up again
// (`presence.mjs`).
import { THREAD } from './recorder.mjs';

/** How often the check looks again while nothing comes in (a thread that blocked sends nothing more). */
const PATIENCE_MS = 100;
/** Bytes of chunks after which the check takes a step at once. */
const ADVANCE_BYTES = 1 << 20;

export class PageCheck {
  /**
   * The check of a run whose workers share `state` (the order counter's memory) and `presence`
   * (a `Presence`), with the tool's `session` (`Tool.runCheck`); each report's bytes go to
   * `report(chunk)`.
   */
  constructor(session, state, presence, report) {
    this.session = session;
    this.counter = new BigInt64Array(state.buffer, 0, 1);
    this.presence = presence;
    this.report = report;
    this.chunks = [];
    // Per thread record: the thread whose chunks the page handled last, and how many.
    this.handled = new Map();
    this.error = null;
    this.pending = null;
    // Bytes handed since the last step, and when it was.
    this.bytes = 0;
    this.last = performance.now();
    this.timer = setInterval(() => this.advance(), PATIENCE_MS);
    // It alone does not keep Node running.
    this.timer.unref?.();
  }

  /** Takes in bytes of the raw trace as the page handles them; `record`: the thread record of a thread's chunk. */
  handed(bytes, record) {
    this.chunks.push(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    if (record !== undefined && view.getUint32(0, true) === THREAD) {
      const tid = view.getInt32(8, true);
      const last = this.handled.get(record);
      if (last?.tid === tid) last.count++;
      else this.handled.set(record, { tid, count: 1 });
    }
    this.bytes += bytes.length;
    // Checked once the messages handled with these are, or now if much came in: a page kept
    // busy by messages may not get to its timers.
    if (this.bytes >= ADVANCE_BYTES || performance.now() - this.last >= PATIENCE_MS) this.advance();
    else this.pending ??= setTimeout(() => this.advance(), 0);
  }

  /** Checks up to the horizon that holds now. */
  advance() {
    clearTimeout(this.pending);
    this.pending = null;
    this.bytes = 0;
    this.last = performance.now();
    if (this.error) return;
    try {
      this.session.feed(this.chunks);
      this.chunks = [];
      // The counter first: a thread seen blocking after it takes no place below it until it runs again.
      const counter = Atomics.load(this.counter, 0);
      const { idle, since } = this.presence.bounds((record, tid) => {
        const last = this.handled.get(record);
        return last?.tid === tid ? last.count : 0;
      });
      this.session.advance(counter, idle, since, this.report);
    } catch (e) {
      this.error = e;
    }
  }

  /** Stops checking: the run did not run. */
  stop() {
    clearInterval(this.timer);
    clearTimeout(this.pending);
  }

  /**
   * Ends the check once the run ended: the rest of the reports; returns their summary ("1 data
   * race reported"), or null. Throws if the check failed.
   */
  end() {
    this.stop();
    if (this.error) throw this.error;
    this.session.feed(this.chunks);
    return this.session.end(this.report);
  }
}
