// The persistent runtime, used as a page or a Node program uses it: many calls over one run of
// the guest programs (guest-tests/programs/src/calls.rs), bytes and strings in and out, and how
// it ends. `exercise(wthreads, bytes)` returns what it saw, for the test to compare; it throws
// only where a step failed in a way it cannot describe.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** How a promise settled: its value, or the error's kind (or name) and message. */
async function settled(promise) {
  try {
    const value = await promise;
    return { value: typeof value === 'bigint' ? `${value}n` : value };
  } catch (e) {
    return { error: e.kind ?? e.name, message: e.message, closed: e.kind === 'closed' };
  }
}

/** A synchronous call's error, as `settled` gives it. */
function thrown(f) {
  try {
    f();
    return { value: 'no error' };
  } catch (e) {
    return { error: e.kind ?? e.name, message: e.message };
  }
}

export async function exercise({ Runtime }, bytes) {
  const seen = {};
  let stderr = '';
  const spawned = [];
  const options = { poolSize: 2, onStderr: (t) => (stderr += t), on: { spawn: (e) => spawned.push(e.name) } };
  const rt = await Runtime.create(bytes, options);

  // A static and the main thread's thread-locals persist from call to call.
  seen.totals = [`${await rt.call('calls_add', 2)}n`, `${await rt.call('calls_add', 40)}n`];
  seen.counts = [await rt.call('calls_count'), await rt.call('calls_count')];

  // So does a thread: it waits for the next number between calls, which is no deadlock (the
  // watchdog looks every 100 ms).
  seen.worker = await rt.call('calls_worker_start');
  const sums = [];
  for (const n of [5, 6]) {
    await sleep(400);
    sums.push(`${await rt.call('calls_worker_send', n)}n`);
  }
  seen.sums = sums;
  seen.final = `${await rt.call('calls_worker_stop')}n`;
  seen.spawned = spawned.filter((name) => name === 'summer').length;

  // Bytes in: summed by four threads.
  const input = await rt.writeBytes(Uint8Array.from({ length: 256 }, (_, i) => i));
  seen.byteSum = `${await rt.call('calls_sum_bytes', input.ptr, input.len)}n`;
  await rt.free(input.ptr, input.len);
  // Input larger than the memory was: the guest grows it, and the page writes where it grew.
  const before = rt.memory.buffer.byteLength;
  const big = new Uint8Array(48 << 20).fill(3);
  const large = await rt.writeBytes(big);
  seen.grew = rt.memory.buffer.byteLength > before;
  seen.largeSum = `${await rt.call('calls_sum_bytes', large.ptr, large.len)}n`;
  await rt.free(large.ptr, large.len);

  // A string in, another out (a block the guest allocated, freed by the page).
  const text = await rt.writeString('grüße, wthreads');
  const out = await rt.alloc(8, 4);
  seen.shoutStatus = await rt.call('calls_shout', text.ptr, text.len, out);
  const [at, len] = new Uint32Array(rt.readBytes(out, 8).buffer);
  seen.shout = rt.readString(at, len);
  await rt.free(at, len);
  await rt.free(out, 8, 4);
  await rt.free(text.ptr, text.len);

  // Calls that cannot be made, and bad arguments: refused, and the runtime stays usable.
  seen.noSuchExport = await settled(rt.call('no_such_export'));
  seen.wrongArity = await settled(rt.call('calls_add'));
  seen.badArg = await settled(rt.call('calls_add', 'two'));
  seen.tooLarge = await settled(rt.alloc(2 ** 32 - 1));
  seen.badAlign = await settled(rt.alloc(8, 3));
  seen.pastTheEnd = thrown(() => rt.readBytes(rt.memory.buffer.byteLength - 4, 8));
  seen.stillUsable = `${await rt.call('calls_add', 0)}n`;

  // A trap in a call ends the program: the runtime is closed, later calls say why.
  seen.trap = await settled(rt.call('test_main_panics'));
  seen.closedAfterTrap = rt.closed;
  seen.afterTrap = await settled(rt.call('calls_add', 1));
  seen.closeAfterTrap = await settled(rt.close());
  seen.panicReported = stderr.includes('the main thread gives up');

  // A deadlock in a call ends it with the report.
  const deadlocked = await Runtime.create(bytes, { onStdout: () => {}, onStderr: () => {} });
  seen.deadlock = await settled(deadlocked.call('deadlock_abba'));
  seen.deadlock.message = seen.deadlock.message?.split('\n')[0];
  seen.closedAfterDeadlock = deadlocked.closed;

  // Closing ends a call still running, and every later one.
  const closing = await Runtime.create(bytes, { onStderr: () => {} });
  const running = settled(closing.call('test_sleep_and_is_finished'));
  seen.closeDuringCall = await settled(closing.close());
  seen.runningCall = await running;
  seen.afterClose = await settled(closing.call('calls_add', 1));

  // A runtime closed when idle: its trace-free result, and closing twice gives the same.
  const idle = await Runtime.create(bytes);
  seen.idleCall = `${await idle.call('calls_add', 7)}n`;
  seen.idleClose = await settled(idle.close());
  seen.idleCloseAgain = await settled(idle.close());
  seen.idleClosed = idle.closed;

  // Left open, with a thread that waits for its next call: in Node the process still ends once
  // nothing else runs (the test's deadline would say it did not), as a process does when its
  // main thread returns.
  const open = await Runtime.create(bytes);
  seen.leftOpen = await open.call('calls_worker_start');
  return seen;
}

/** The test in a page (`host/tests/common/page.html`), the programs served as `/programs.wasm`. */
export async function inPage(wthreads) {
  return exercise(wthreads, new Uint8Array(await (await fetch('/programs.wasm')).arrayBuffer()));
}
