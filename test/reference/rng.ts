// Float64-free reference of wgsl/lib/rng.wgsl (u32 arithmetic via Math.imul): lowbias32.
export function hashU32(x: number): number {
  let h = (x ^ (x >>> 16)) >>> 0;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function rngU32(seed: number, index: number): number {
  return hashU32((index ^ hashU32(seed)) >>> 0);
}

/** Dropout keep test: rng >= floor(p * 2^32). */
export function dropoutKeeps(seed: number, index: number, p: number): boolean {
  return rngU32(seed, index) >= Math.floor(p * 4294967296);
}
