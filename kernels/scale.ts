// Twin of wgsl/scale.wgsl: out[i] = x[i] * alpha + beta.
export function scale(x: usize, out: usize, n: u32, alpha: f32, beta: f32): void {
  const a4 = f32x4.splat(alpha);
  const b4 = f32x4.splat(beta);
  const n4 = n & ~3;
  let i: u32 = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, f32x4.add(f32x4.mul(v128.load(x + o), a4), b4));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, load<f32>(x + o) * alpha + beta);
  }
}
