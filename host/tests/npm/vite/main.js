// A Vite app that uses the installed `wthreads` package (host/tests/npm.rs builds it with `vite
// build` and serves it with Vite's dev server): a threaded program, and a traced run whose tool
// module the bundler took from the package.
import { run } from 'wthreads';

try {
  const bytes = new Uint8Array(await (await fetch('/programs.wasm')).arrayBuffer());
  const spawned = [];
  const quiet = () => {};
  const result = await run(bytes, { invoke: 'test_spawn_join_value', onStdout: quiet, on: { spawn: (e) => spawned.push(e.tid) } });
  const traced = await run(bytes, { invoke: 'test_spawn_join_value', onStdout: quiet, trace: {} });
  window.pageResult = { code: result.code, spawned: spawned.length, trace: traced.trace.length };
  document.body.dataset.state = 'done';
} catch (e) {
  window.pageResult = { error: String(e) };
  document.body.dataset.state = 'error';
}
