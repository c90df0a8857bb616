// Reference of inverted dropout, bit-exact with the kernels: the mask from test/reference/rng.ts
// and the kept values x * f32(1 / (1 - p)) rounded to f32.
import { dropoutKeeps } from './rng.js';

export function refDropoutMask(n: number, p: number, seed: number): Uint8Array {
  const m = new Uint8Array(n);
  if (p >= 1) return m;
  for (let i = 0; i < n; i++) m[i] = dropoutKeeps(seed, i, p) ? 1 : 0;
  return m;
}

export function refDropout(x: ArrayLike<number>, p: number, seed: number): Float32Array {
  const mask = refDropoutMask(x.length, p, seed);
  const scale = Math.fround(1 / (1 - p));
  return Float32Array.from({ length: x.length }, (_, i) => (mask[i] ? Math.fround(x[i] * scale) : 0));
}
