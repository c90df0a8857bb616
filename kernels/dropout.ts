// Twin of wgsl/dropout.wgsl: out[i] = rng_u32(seed, i) >= threshold ? x[i] * scale : 0.
// The hash (kernels/rng.ts) runs on 4 lanes; its data-dependent shift is done bit by bit.
import { ELEMENTWISE_CHUNK } from './parallel';
import { pcg_hash, rng_u32 } from './rng';

// pcg_hash on 4 lanes, bit-identical to kernels/rng.ts.
@inline function pcgHash4(x: v128): v128 {
  const state = i32x4.add(i32x4.mul(x, i32x4.splat(747796405)), i32x4.splat(<i32>2891336453));
  // state >> ((state >> 28) + 4): shift by 4, then by each set bit of (state >> 28).
  const amount = i32x4.shr_u(state, 28);
  const zero = i32x4.splat(0);
  let s = i32x4.shr_u(state, 4);
  s = v128.bitselect(i32x4.shr_u(s, 1), s, i32x4.ne(v128.and(amount, i32x4.splat(1)), zero));
  s = v128.bitselect(i32x4.shr_u(s, 2), s, i32x4.ne(v128.and(amount, i32x4.splat(2)), zero));
  s = v128.bitselect(i32x4.shr_u(s, 4), s, i32x4.ne(v128.and(amount, i32x4.splat(4)), zero));
  s = v128.bitselect(i32x4.shr_u(s, 8), s, i32x4.ne(v128.and(amount, i32x4.splat(8)), zero));
  const word = i32x4.mul(v128.xor(s, state), i32x4.splat(277803737));
  return v128.xor(i32x4.shr_u(word, 22), word);
}

// Elements of chunks [itemStart, itemEnd) (kernels/parallel.ts): the mask depends only on the index.
export function dropout(x: usize, out: usize, n: u32, seed: u32, threshold: u32, scale: f32, itemStart: u32, itemEnd: u32, scratch: usize): void {
  const seedHash = i32x4.splat(pcg_hash(seed));
  const thr = i32x4.splat(threshold);
  const scale4 = f32x4.splat(scale);
  const end = min(n, itemEnd * ELEMENTWISE_CHUNK);
  const n4 = end & ~3;
  let i: u32 = itemStart * ELEMENTWISE_CHUNK;
  let idx = i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(i));
  const four = i32x4.splat(4);
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const keep = i32x4.ge_u(pcgHash4(v128.xor(idx, seedHash)), thr);
    v128.store(out + o, v128.and(f32x4.mul(v128.load(x + o), scale4), keep));
    idx = i32x4.add(idx, four);
  }
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, rng_u32(seed, i) >= threshold ? load<f32>(x + o) * scale : 0);
  }
}
