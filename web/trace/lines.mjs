// One line of text per listener event, as the command lines print them with `--trace-events`.

const who = (tid, name) => (name ? `thread ${tid} '${name}'` : `thread ${tid}`);

/** The trace line of an event of `run`'s listeners (`{event, tid, ...}`), without a newline. */
export function formatEvent(e) {
  switch (e.event) {
    case 'spawn':
      return `[spawn] ${who(e.tid, e.name)} by thread ${e.by}`;
    case 'join':
      return `[join] thread ${e.tid} by thread ${e.by}: ${e.trapped ? 'trapped' : 'returned'}`;
    case 'exit':
      return `[exit] thread ${e.tid}: ${e.trapped ? e.message : 'returned'}`;
    default:
      return `[${e.event}] ${JSON.stringify(e)}`;
  }
}

/** The trace line of an `onAbort` report. */
export function formatAbort(a) {
  return `[abort] ${who(a.tid, a.name)}: ${a.message}`;
}
