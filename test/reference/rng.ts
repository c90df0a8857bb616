// Float64-free reference of wgsl/lib/rng.wgsl (u32 arithmetic via Math.imul).
export function pcgHash(x: number): number {
  const state = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

export function rngU32(seed: number, index: number): number {
  return pcgHash((index ^ pcgHash(seed)) >>> 0);
}

/** Dropout keep test: rng >= floor(p * 2^32). */
export function dropoutKeeps(seed: number, index: number, p: number): boolean {
  return rngU32(seed, index) >= Math.floor(p * 4294967296);
}
