// Machine-limit kernels (AssemblyScript, compiled on its own to build/peak.wasm by
// scripts/bench.mjs; not part of kernels/). Memory is the module's own; JS grows it.
import { madd } from '../../kernels/simd';

// f32x4 multiply-add throughput: 12 independent accumulator chains hide the latency (~4-6
// cycles) on 2-4 SIMD ports. Built twice (bench/ceiling/asconfig.json targets), as the kernels
// are (kernels/simd.ts): peak.wasm with plain mul + add, peak-relaxed.wasm with relaxed SIMD,
// where each step is one f32x4.relaxed_madd (a fused multiply-add on CPUs with FMA). Either
// way each lane step is 2 flops: flops = iters * 12 * 4 * 2. `madd` is the kernels' own.

export function fma_loop(iters: u32, seed: f32): f32 {
  const m = f32x4.splat(0.999999);
  const c = f32x4.splat(1e-7);
  let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
  let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
  let a8 = f32x4.splat(seed + 8), a9 = f32x4.splat(seed + 9), a10 = f32x4.splat(seed + 10), a11 = f32x4.splat(seed + 11);
  for (let i: u32 = 0; i < iters; i++) {
    a0 = madd(a0, m, c);
    a1 = madd(a1, m, c);
    a2 = madd(a2, m, c);
    a3 = madd(a3, m, c);
    a4 = madd(a4, m, c);
    a5 = madd(a5, m, c);
    a6 = madd(a6, m, c);
    a7 = madd(a7, m, c);
    a8 = madd(a8, m, c);
    a9 = madd(a9, m, c);
    a10 = madd(a10, m, c);
    a11 = madd(a11, m, c);
  }
  // Fold everything so nothing is dead code.
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}

// STREAM triad: a[i] = b[i] + s * c[i] over n floats (n a multiple of 4). Moves 12 bytes per
// element (read b, c; write a; write-allocate traffic not counted, as STREAM does).
export function triad(a: usize, b: usize, c: usize, n: u32, s: f32): void {
  const s4 = f32x4.splat(s);
  const end = a + ((<usize>n) << 2);
  for (; a < end; a += 16) {
    v128.store(a, f32x4.add(v128.load(b), f32x4.mul(s4, v128.load(c))));
    b += 16;
    c += 16;
  }
}

// STREAM copy: a[i] = b[i]; 8 bytes per element.
export function copy(a: usize, b: usize, n: u32): void {
  const end = a + ((<usize>n) << 2);
  for (; a < end; a += 16) {
    v128.store(a, v128.load(b));
    b += 16;
  }
}

export function heapBase(): usize {
  return __heap_base;
}
