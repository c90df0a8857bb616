// Twin of wgsl/dropout.wgsl: out[i] = rng_u32(seed, i) >= threshold ? x[i] * scale : 0.
// The hash runs on 4 lanes (hash_u32x4, kernels/rng.ts).
import { ELEMENTWISE_CHUNK } from './parallel';
import { hash_u32, hash_u32x4, rng_u32 } from './rng';

// Elements of chunks [itemStart, itemEnd) (kernels/parallel.ts): the mask depends only on the index.
export function dropout(x: usize, out: usize, n: u32, seed: u32, threshold: u32, scale: f32, itemStart: u32, itemEnd: u32, scratch: usize): void {
  const seedHash = i32x4.splat(hash_u32(seed));
  const thr = i32x4.splat(threshold);
  const scale4 = f32x4.splat(scale);
  const end = min(n, itemEnd * ELEMENTWISE_CHUNK);
  const n4 = end & ~3;
  let i: u32 = itemStart * ELEMENTWISE_CHUNK;
  let idx = i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(i));
  const four = i32x4.splat(4);
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const keep = i32x4.ge_u(hash_u32x4(v128.xor(idx, seedHash)), thr);
    v128.store(out + o, v128.and(f32x4.mul(v128.load(x + o), scale4), keep));
    idx = i32x4.add(idx, four);
  }
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, rng_u32(seed, i) >= threshold ? load<f32>(x + o) * scale : 0);
  }
}
