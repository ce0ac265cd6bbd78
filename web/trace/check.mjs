// `check` of a run as it goes, in the page (docs/check.md, "When a report comes"): the trace's
// chunks, as the page handles the workers' messages, go to the tool module's ongoing check,
// which checks everything before the horizon that holds when it is asked: the least of the
// order counter's value and what the threads' presence words allow (`presence.mjs`).
/** How often the check looks again while nothing comes in (a thread that blocked sends nothing more). */
const PATIENCE_MS = 100;

export class PageCheck {
  /**
   * The check of a run whose workers share `state` (the order counter's memory) and the words of
   * `presence` (a `Presence` of `presence.mjs`), with the tool's `session` (`Tool.ongoingCheck`); each report's
   * bytes go to `report(chunk)`. `handled()` says below which output seq the page has handled
   * every message.
   */
  constructor(session, state, presence, report, handled) {
    this.session = session;
    this.counter = new BigInt64Array(state.buffer, 0, 1);
    this.presence = presence;
    this.report = report;
    this.handled = handled;
    this.chunks = [];
    this.error = null;
    this.pending = null;
    this.timer = setInterval(() => this.advance(), PATIENCE_MS);
  }

  /** Takes in bytes of the raw trace, as the page writes them. */
  handed(bytes) {
    this.chunks.push(bytes);
    // Checked once the messages handled with these are (the horizon needs them all).
    this.pending ??= setTimeout(() => this.advance(), 0);
  }

  /** Checks up to the horizon that holds now. */
  advance() {
    clearTimeout(this.pending);
    this.pending = null;
    if (this.error) return;
    // The counter first: a thread that blocks takes no place below it until it runs again.
    const counter = Atomics.load(this.counter, 0);
    const horizon = this.presence.horizon(counter, this.handled());
    const chunks = this.chunks;
    this.chunks = [];
    try {
      this.session.advance(chunks, horizon, this.report);
    } catch (e) {
      this.error = e;
    }
  }

  /**
   * Ends the check once the run ended: the rest of the reports; returns their summary ("1 data
   * race reported"), or null. Throws if the check failed.
   */
  end() {
    clearInterval(this.timer);
    clearTimeout(this.pending);
    if (this.error) throw this.error;
    return this.session.end(this.chunks, this.report);
  }
}
