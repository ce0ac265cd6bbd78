// What the web runtime must know about a module before it runs it, read from the binary
// (WebAssembly.Module.imports gives neither function types nor memory limits): the type of
// every imported function, the limits of every imported memory, and whether any data segment
// is active. The bytes are a module that WebAssembly.Module already accepted. And whether the
// engine takes a module with two memories.

const VALTYPES = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/** Whether the engine takes a module with two memories (what `trace --memory` instruments). */
export function hasMultiMemory() {
  const twoMemories = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5, 2, 0, 0, 0, 0];
  return WebAssembly.validate(new Uint8Array(twoMemories));
}

/** A function type as the runtime API's messages write it: `(i32, i32) -> (i32)`. */
export function signature({ params, results }) {
  return `(${params.join(', ')}) -> (${results.join(', ')})`;
}

/**
 * Reads `bytes`: returns `{ imports: [{module, name, kind, type?, memory?}], activeData }`,
 * `type` being `{params, results}` for a function, `memory` `{initial, maximum, shared,
 * memory64}`, and `activeData` the index and size of the first active data segment, or null.
 */
export function moduleInfo(bytes) {
  let pos = 8;
  const u8 = () => bytes[pos++];
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = u8();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return result;
    }
  };
  const name = () => {
    const len = leb();
    const s = new TextDecoder().decode(bytes.subarray(pos, pos + len));
    pos += len;
    return s;
  };
  const valtype = () => {
    const b = u8();
    // A reference type with a heap type (GC proposal): its heap type follows.
    if (b === 0x63 || b === 0x64) {
      leb();
      return 'ref';
    }
    return VALTYPES[b] ?? `type 0x${b.toString(16)}`;
  };
  const limits = () => {
    const flags = u8();
    const initial = leb();
    const maximum = flags & 1 ? leb() : undefined;
    return { initial, maximum, shared: !!(flags & 2), memory64: !!(flags & 4) };
  };
  const constExpr = () => {
    // Skips instructions up to the `end` (0x0b) that closes the expression.
    for (let op = u8(); op !== 0x0b; op = u8()) {
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) leb();
      else if (op === 0x44) pos += 8;
      else if (op === 0x43) pos += 4;
      else if (op === 0xd0) leb();
    }
  };
  const types = [];
  const imports = [];
  let activeData = null;
  while (pos < bytes.length) {
    const id = u8();
    const size = leb();
    const end = pos + size;
    if (id === 1) {
      for (let n = leb(); n > 0; n--) {
        if (u8() !== 0x60) {
          // Not a plain function type (GC's rec/sub groups): no import of ours uses it.
          types.push(null);
          break;
        }
        const params = Array.from({ length: leb() }, valtype);
        const results = Array.from({ length: leb() }, valtype);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const imp = { module: name(), name: name() };
        const kind = u8();
        if (kind === 0) Object.assign(imp, { kind: 'function', type: types[leb()] ?? null });
        else if (kind === 1) {
          valtype();
          limits();
          imp.kind = 'table';
        } else if (kind === 2) Object.assign(imp, { kind: 'memory', memory: limits() });
        else if (kind === 3) {
          valtype();
          u8();
          imp.kind = 'global';
        } else {
          u8();
          leb();
          imp.kind = 'tag';
        }
        imports.push(imp);
      }
    } else if (id === 11) {
      for (let i = 0, n = leb(); i < n && activeData === null; i++) {
        const flags = leb();
        if (flags === 1) {
          const len = leb();
          pos += len;
          continue;
        }
        if (flags === 2) leb();
        constExpr();
        const len = leb();
        activeData = { index: i, size: len };
      }
    }
    pos = end;
  }
  return { imports, activeData };
}
