/**
 * The kernels are compiled once (asconfig.json) against an imported, unshared memory.
 * For multi-threading the module must import a *shared* memory instead; the only
 * difference in the binary is bit 1 of the memory import's limits flag (0x01 -> 0x03,
 * which needs the maximum already present). This finds that byte and flips it, so one
 * build serves both modes.
 */
function readLeb(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [result, pos];
  }
}

function skipName(bytes: Uint8Array, pos: number): number {
  const [len, next] = readLeb(bytes, pos);
  return next + len;
}

function skipLimits(bytes: Uint8Array, pos: number): number {
  const flag = bytes[pos++];
  pos = readLeb(bytes, pos)[1];
  if (flag & 1) pos = readLeb(bytes, pos)[1];
  return pos;
}

/** Offset of the memory import's limits flag byte, or -1 when the module imports no memory. */
export function memoryImportFlagOffset(bytes: Uint8Array): number {
  let pos = 8; // magic + version
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const [size, start] = readLeb(bytes, pos);
    if (id !== 2) {
      pos = start + size;
      continue;
    }
    let [count, p] = readLeb(bytes, start);
    for (; count > 0; count--) {
      p = skipName(bytes, p);
      p = skipName(bytes, p);
      const kind = bytes[p++];
      if (kind === 0) p = readLeb(bytes, p)[1];
      else if (kind === 1) p = skipLimits(bytes, p + 1);
      else if (kind === 2) return p;
      else if (kind === 3) p += 2;
      else throw new Error(`unknown import kind ${kind}`);
    }
    return -1;
  }
  return -1;
}

/** A copy of the module that imports its memory as shared. Throws when that is impossible. */
export function withSharedMemoryImport(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const at = memoryImportFlagOffset(bytes);
  if (at < 0) throw new Error('the WASM module imports no memory');
  const flag = bytes[at];
  if ((flag & 1) === 0) throw new Error('the memory import has no maximum (shared memory needs one)');
  const copy = new Uint8Array(bytes);
  copy[at] = flag | 2;
  return copy;
}
