// Twin of wgsl/adamw.wgsl: fused AdamW step in place on param, m, v (SIMD over elements).
export function adamw(
  grad: usize, gradScale: usize, param: usize, m: usize, v: usize,
  n: u32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, decay: f32, stepSize: f32, bc2Sqrt: f32,
  hasScale: u32,
): void {
  const scale: f32 = hasScale == 1 ? load<f32>(gradScale) : 1;
  const sc4 = f32x4.splat(scale);
  const b14 = f32x4.splat(beta1);
  const c14 = f32x4.splat(oneMinusBeta1);
  const b24 = f32x4.splat(beta2);
  const c24 = f32x4.splat(oneMinusBeta2);
  const eps4 = f32x4.splat(eps);
  const dec4 = f32x4.splat(decay);
  const st4 = f32x4.splat(stepSize);
  const bc4 = f32x4.splat(bc2Sqrt);
  const n4 = n & ~3;
  let i: u32 = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const g = hasScale == 1 ? f32x4.mul(v128.load(grad + o), sc4) : v128.load(grad + o);
    const mi = f32x4.add(f32x4.mul(b14, v128.load(m + o)), f32x4.mul(c14, g));
    const vi = f32x4.add(f32x4.mul(b24, v128.load(v + o)), f32x4.mul(c24, f32x4.mul(g, g)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), bc4), eps4);
    v128.store(param + o, f32x4.sub(f32x4.mul(v128.load(param + o), dec4), f32x4.div(f32x4.mul(st4, mi), denom)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const g = hasScale == 1 ? load<f32>(grad + o) * scale : load<f32>(grad + o);
    const mi = beta1 * load<f32>(m + o) + oneMinusBeta1 * g;
    const vi = beta2 * load<f32>(v + o) + oneMinusBeta2 * (g * g);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(param + o, load<f32>(param + o) * decay - (stepSize * mi) / (Mathf.sqrt(vi) / bc2Sqrt + eps));
  }
}
