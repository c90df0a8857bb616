// Twins of wgsl/grad_norm_partial.wgsl, grad_norm_final.wgsl and grad_norm_scale.wgsl.

const BLOCK: u32 = 4096; // must match GRAD_NORM_BLOCK in runtime/ops/grad_norm.ts

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// partials[offset + b] = sum of x[i]^2 over block b of 4096 elements.
export function grad_norm_partial(x: usize, partials: usize, n: u32, offset: u32): void {
  const nb = (n + BLOCK - 1) / BLOCK;
  for (let b: u32 = 0; b < nb; b++) {
    const i0 = b * BLOCK;
    const i1 = min(n, i0 + BLOCK);
    const len4 = (i1 - i0) & ~3;
    let a4 = f32x4.splat(0);
    let i = i0;
    for (; i < i0 + len4; i += 4) {
      const v = v128.load(x + ((<usize>i) << 2));
      a4 = f32x4.add(a4, f32x4.mul(v, v));
    }
    let acc = hsum(a4);
    for (; i < i1; i++) {
      const v = load<f32>(x + ((<usize>i) << 2));
      acc += v * v;
    }
    store<f32>(partials + ((<usize>(offset + b)) << 2), acc);
  }
}

export function grad_norm_final(partials: usize, out: usize, count: u32): void {
  let acc: f32 = 0;
  for (let i: u32 = 0; i < count; i++) acc += load<f32>(partials + ((<usize>i) << 2));
  store<f32>(out, acc);
}

// mode 0: min(1, maxNorm / (sqrt(normSq) + eps)); mode 1: sqrt(normSq).
export function grad_norm_scale(normSq: usize, out: usize, maxNorm: f32, eps: f32, mode: u32): void {
  const norm = Mathf.sqrt(load<f32>(normSq));
  store<f32>(out, mode == 0 ? min<f32>(1, maxNorm / (norm + eps)) : norm);
}
