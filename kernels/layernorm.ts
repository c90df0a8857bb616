// Twins of wgsl/layernorm.wgsl (with and without residual) and wgsl/layernorm_backward.wgsl.
// Rows of length d, SIMD over the row. The trailing `tpr` argument is the WGSL threads-per-row
// override constant; the CPU kernels do not need it.

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// Normalises one row `src` [d] into `dst`; writes its mean and rstd. Corrected two-pass variance:
// m0 = sum(v) / d; t = v - m0; c = sum(t) / d; mean = m0 + c; var = (sum(t^2) - sum(t)^2 / d) / d;
// xhat = (t - c) * rstd.
@inline function normRow(src: usize, gamma: usize, beta: usize, dst: usize, meanOut: usize, rstdOut: usize, d: u32, eps: f32): void {
  const d4 = d & ~3;
  const fd = <f32>d;
  let acc = f32x4.splat(0);
  let j: u32 = 0;
  for (; j < d4; j += 4) acc = f32x4.add(acc, v128.load(src + ((<usize>j) << 2)));
  let s = hsum(acc);
  for (; j < d; j++) s += load<f32>(src + ((<usize>j) << 2));
  const m0 = s / fd;
  const m04 = f32x4.splat(m0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  for (j = 0; j < d4; j += 4) {
    const t = f32x4.sub(v128.load(src + ((<usize>j) << 2)), m04);
    a1 = f32x4.add(a1, t);
    a2 = f32x4.add(a2, f32x4.mul(t, t));
  }
  let s1 = hsum(a1);
  let s2 = hsum(a2);
  for (; j < d; j++) {
    const t = load<f32>(src + ((<usize>j) << 2)) - m0;
    s1 += t;
    s2 += t * t;
  }
  const corr = s1 / fd;
  const variance = max<f32>(0, (s2 - (s1 * s1) / fd) / fd);
  const rstd: f32 = 1 / Mathf.sqrt(variance + eps);
  store<f32>(meanOut, m0 + corr);
  store<f32>(rstdOut, rstd);
  const corr4 = f32x4.splat(corr);
  const rstd4 = f32x4.splat(rstd);
  for (j = 0; j < d4; j += 4) {
    const o = (<usize>j) << 2;
    const xh = f32x4.mul(f32x4.sub(f32x4.sub(v128.load(src + o), m04), corr4), rstd4);
    v128.store(dst + o, f32x4.add(f32x4.mul(xh, v128.load(gamma + o)), v128.load(beta + o)));
  }
  for (; j < d; j++) {
    const o = (<usize>j) << 2;
    store<f32>(dst + o, ((load<f32>(src + o) - m0) - corr) * rstd * load<f32>(gamma + o) + load<f32>(beta + o));
  }
}

export function layernorm(x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize, R: u32, d: u32, eps: f32, tpr: u32): void {
  const rowBytes = (<usize>d) << 2;
  for (let r: u32 = 0; r < R; r++) {
    const off = (<usize>r) * rowBytes;
    normRow(x + off, gamma, beta, y + off, mean + ((<usize>r) << 2), rstd + ((<usize>r) << 2), d, eps);
  }
}

// input = x + res is written first, then normalised.
export function layernorm_residual(
  x: usize, res: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize, input: usize,
  R: u32, d: u32, eps: f32, tpr: u32,
): void {
  const rowBytes = (<usize>d) << 2;
  const d4 = d & ~3;
  for (let r: u32 = 0; r < R; r++) {
    const off = (<usize>r) * rowBytes;
    const src = input + off;
    let j: u32 = 0;
    for (; j < d4; j += 4) {
      const o = off + ((<usize>j) << 2);
      v128.store(input + o, f32x4.add(v128.load(x + o), v128.load(res + o)));
    }
    for (; j < d; j++) {
      const o = off + ((<usize>j) << 2);
      store<f32>(input + o, load<f32>(x + o) + load<f32>(res + o));
    }
    normRow(src, gamma, beta, y + off, mean + ((<usize>r) << 2), rstd + ((<usize>r) << 2), d, eps);
  }
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma, xhat = (t - delta) * rstd with
// t = input - mean and delta = mean(t) (recovers the f32 rounding of the saved mean, as the WGSL does);
// mean(g * xhat) = rstd * (sum(g t) - delta * sum(g)) / d.
// pg[b] / pb[b] = sums of dy * xhat / dy over the rows of block b (rowsPerBlock rows).
export function layernorm_backward(
  dy: usize, input: usize, gamma: usize, mean: usize, rstd: usize, dx: usize, pg: usize, pb: usize,
  R: u32, d: u32, rowsPerBlock: u32, tpr: u32,
): void {
  const rowBytes = (<usize>d) << 2;
  const d4 = d & ~3;
  const fd = <f32>d;
  for (let r: u32 = 0; r < R; r++) {
    const b = r / rowsPerBlock;
    const pgRow = pg + (<usize>b) * rowBytes;
    const pbRow = pb + (<usize>b) * rowBytes;
    if (r % rowsPerBlock == 0) {
      memory.fill(pgRow, 0, rowBytes);
      memory.fill(pbRow, 0, rowBytes);
    }
    const dyRow = dy + (<usize>r) * rowBytes;
    const inRow = input + (<usize>r) * rowBytes;
    const dxRow = dx + (<usize>r) * rowBytes;
    const m = load<f32>(mean + ((<usize>r) << 2));
    const rs = load<f32>(rstd + ((<usize>r) << 2));
    const m4 = f32x4.splat(m);
    let aG = f32x4.splat(0);
    let aGT = f32x4.splat(0);
    let aT = f32x4.splat(0);
    let j: u32 = 0;
    for (; j < d4; j += 4) {
      const o = (<usize>j) << 2;
      const dyv = v128.load(dyRow + o);
      const t = f32x4.sub(v128.load(inRow + o), m4);
      const g = f32x4.mul(dyv, v128.load(gamma + o));
      aG = f32x4.add(aG, g);
      aGT = f32x4.add(aGT, f32x4.mul(g, t));
      aT = f32x4.add(aT, t);
      v128.store(pbRow + o, f32x4.add(v128.load(pbRow + o), dyv));
    }
    let sG = hsum(aG);
    let sGT = hsum(aGT);
    let sT = hsum(aT);
    for (; j < d; j++) {
      const o = (<usize>j) << 2;
      const dyv = load<f32>(dyRow + o);
      const t = load<f32>(inRow + o) - m;
      const g = dyv * load<f32>(gamma + o);
      sG += g;
      sGT += g * t;
      sT += t;
      store<f32>(pbRow + o, load<f32>(pbRow + o) + dyv);
    }
    const mg = sG / fd;
    const delta = sT / fd;
    const mgx = rs * (sGT / fd - delta * mg);
    const mg4 = f32x4.splat(mg);
    const mgx4 = f32x4.splat(mgx);
    const rs4 = f32x4.splat(rs);
    const delta4 = f32x4.splat(delta);
    for (j = 0; j < d4; j += 4) {
      const o = (<usize>j) << 2;
      const dyv = v128.load(dyRow + o);
      const xh = f32x4.mul(f32x4.sub(f32x4.sub(v128.load(inRow + o), m4), delta4), rs4);
      const g = f32x4.mul(dyv, v128.load(gamma + o));
      v128.store(dxRow + o, f32x4.mul(rs4, f32x4.sub(f32x4.sub(g, mg4), f32x4.mul(xh, mgx4))));
      v128.store(pgRow + o, f32x4.add(v128.load(pgRow + o), f32x4.mul(dyv, xh)));
    }
    for (; j < d; j++) {
      const o = (<usize>j) << 2;
      const dyv = load<f32>(dyRow + o);
      const xh = ((load<f32>(inRow + o) - m) - delta) * rs;
      const g = dyv * load<f32>(gamma + o);
      store<f32>(dxRow + o, rs * (g - mg - xh * mgx));
      store<f32>(pgRow + o, load<f32>(pgRow + o) + dyv * xh);
    }
  }
}
