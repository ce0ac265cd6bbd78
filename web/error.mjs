// The one error class of the web runtime.

/**
 * An error of the runtime, by `kind`: `'module'`, a module that cannot run (or a call that
 * cannot be made: an export it lacks, a wrong number of arguments); `'trap'`, the main thread
 * trapped or panicked in a call; `'deadlock'`, every thread of the program waits for good (the
 * message is the report); `'closed'`, the runtime ended before or during the call.
 */
export class WthreadsError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'WthreadsError';
    this.kind = kind;
  }
}
