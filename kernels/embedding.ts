// Twins of wgsl/embedding_gather.wgsl and the four scatter-add passes (wgsl/embedding_rank,
// _place, _partial, _final). The scatter-add passes sum in exactly the WGSL order (each row's
// entries in increasing position, in chunks of CHUNK, then the chunk sums in order), so both
// backends give the same bits.

const CHUNK: u32 = 64; // must match EMBEDDING_CHUNK in runtime/ops/embedding.ts
const NONE: u32 = 0xffffffff;

// Adds (or copies, when first) row src [d] into dst [d].
@inline function addRow(dst: usize, src: usize, d: u32): void {
  const d4 = d & ~3;
  let j: u32 = 0;
  for (; j < d4; j += 4) {
    const o = (<usize>j) << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; j < d; j++) {
    const o = (<usize>j) << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

export function embedding_gather(table: usize, ids: usize, out: usize, n: u32, d: u32, V: u32): void {
  const rowBytes = (<usize>d) << 2;
  for (let r: u32 = 0; r < n; r++) {
    const t = load<i32>(ids + ((<usize>r) << 2));
    const dst = out + (<usize>r) * rowBytes;
    if (t >= 0 && <u32>t < V) memory.copy(dst, table + (<usize>t) * rowBytes, rowBytes);
    else memory.fill(dst, 0, rowBytes);
  }
}

export function embedding_rank(
  ids: usize, rank: usize, counts: usize, offsets: usize, chunkOff: usize, chunkV: usize,
  n: u32, V: u32, maxChunks: u32,
): void {
  memory.fill(counts, 0, (<usize>V) << 2);
  memory.fill(chunkV, 0xff, (<usize>maxChunks) << 2);
  for (let i: u32 = 0; i < n; i++) {
    const t = load<i32>(ids + ((<usize>i) << 2));
    if (t < 0 || <u32>t >= V) continue;
    const cp = counts + ((<usize>t) << 2);
    const c = load<u32>(cp);
    store<u32>(rank + ((<usize>i) << 2), c);
    store<u32>(cp, c + 1);
  }
  let off: u32 = 0;
  let ch: u32 = 0;
  for (let v: u32 = 0; v < V; v++) {
    const c = load<u32>(counts + ((<usize>v) << 2));
    const nch = (c + CHUNK - 1) / CHUNK;
    store<u32>(offsets + ((<usize>v) << 2), off);
    store<u32>(chunkOff + ((<usize>v) << 2), ch);
    for (let j: u32 = 0; j < nch; j++) store<u32>(chunkV + ((<usize>(ch + j)) << 2), v);
    off += c;
    ch += nch;
  }
}

export function embedding_place(ids: usize, rank: usize, offsets: usize, order: usize, n: u32, V: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const t = load<i32>(ids + ((<usize>i) << 2));
    if (t < 0 || <u32>t >= V) continue;
    const pos = load<u32>(offsets + ((<usize>t) << 2)) + load<u32>(rank + ((<usize>i) << 2));
    store<u32>(order + ((<usize>pos) << 2), i);
  }
}

export function embedding_partial(
  dOut: usize, order: usize, offsets: usize, counts: usize, chunkOff: usize, chunkV: usize, partial: usize,
  d: u32, maxChunks: u32,
): void {
  const rowBytes = (<usize>d) << 2;
  for (let k: u32 = 0; k < maxChunks; k++) {
    const v = load<u32>(chunkV + ((<usize>k) << 2));
    if (v == NONE) continue;
    const off = load<u32>(offsets + ((<usize>v) << 2));
    const start = off + (k - load<u32>(chunkOff + ((<usize>v) << 2))) * CHUNK;
    const end = min(off + load<u32>(counts + ((<usize>v) << 2)), start + CHUNK);
    const dst = partial + (<usize>k) * rowBytes;
    memory.fill(dst, 0, rowBytes);
    for (let e = start; e < end; e++) {
      addRow(dst, dOut + (<usize>load<u32>(order + ((<usize>e) << 2))) * rowBytes, d);
    }
  }
}

export function embedding_final(partial: usize, counts: usize, chunkOff: usize, dTable: usize, V: u32, d: u32): void {
  const rowBytes = (<usize>d) << 2;
  for (let v: u32 = 0; v < V; v++) {
    const nch = (load<u32>(counts + ((<usize>v) << 2)) + CHUNK - 1) / CHUNK;
    const k0 = load<u32>(chunkOff + ((<usize>v) << 2));
    const dst = dTable + (<usize>v) * rowBytes;
    memory.fill(dst, 0, rowBytes);
    for (let j: u32 = 0; j < nch; j++) addRow(dst, partial + (<usize>(k0 + j)) * rowBytes, d);
  }
}
