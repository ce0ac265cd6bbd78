// The wasm-bindgen example (guest-tests/bindgen) used as a page or a Node program uses it: its
// `#[wasm_bindgen]` exports called through a `Runtime` made with the glue wasm-bindgen wrote.
// `exercise(wthreads, wasm, glue)` returns what it saw, for the test to compare.

/** How a promise settled: its value, or the error's kind and message. */
async function settled(promise) {
  try {
    return { value: await promise };
  } catch (e) {
    return { error: e.kind ?? e.name, message: e.message };
  }
}

export async function exercise({ Runtime }, wasm, glue) {
  const seen = {};
  let stderr = '';
  const rt = await Runtime.create(wasm, { bindgen: glue, poolSize: 2, onStderr: (t) => (stderr += t) });
  // Numbers, strings and a string array in and out of functions whose threads do the work.
  seen.sum = await rt.call('sum_of_squares', 1000, 4);
  seen.greeting = await rt.call('greet', 'page');
  seen.lines = await rt.call('log_from_threads', 3);
  seen.calls = [await rt.call('calls'), await rt.call('calls')];
  // The runtime's own allocation functions are there too.
  const text = await rt.writeString('through the guest allocator');
  seen.readBack = rt.readString(text.ptr, text.len);
  await rt.free(text.ptr, text.len);
  seen.noSuchExport = await settled(rt.call('no_such_export'));
  await rt.close();
  seen.stderr = stderr;
  // The module without its glue: the error names the glue to pass.
  seen.withoutGlue = await settled(Runtime.create(wasm));
  return seen;
}

/** The test in a page (`host/tests/common/page.html`), wasm-bindgen's output served in `/pkg/`. */
export async function inPage(wthreads) {
  const wasm = new Uint8Array(await (await fetch('/pkg/app_bg.wasm')).arrayBuffer());
  return exercise(wthreads, wasm, '/pkg/app.js');
}
