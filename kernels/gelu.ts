// Twins of wgsl/gelu.wgsl, wgsl/gelu_bias.wgsl and wgsl/gelu_backward.wgsl, with the same
// formulas and guards as wgsl/gelu_lib.wgsl (approx 0 = tanh form, 1 = erf form), on 4 lanes.
// The vector helpers (exp4, erf4, gelu4, geluGrad4, gelu1, geluGrad1) are exported for other kernels
// (e.g. a matmul epilogue) that must match them.

import { ELEMENTWISE_CHUNK } from './parallel';

const K0: f32 = 0.7978845608028654; // sqrt(2 / pi)
const GC: f32 = 0.044715;
const INV_SQRT2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

@inline function splat(v: f32): v128 {
  return f32x4.splat(v);
}

@inline function clamp4(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.min(f32x4.max(x, splat(lo)), splat(hi));
}

// e^x (Cephes expf): x = n ln2 + r, |r| <= ln2 / 2, e^r by a degree-6 polynomial, 2^n from
// exponent bits. x is clamped to [-87, 88] (results stay normal); relative error ~2 ulp.
@inline export function exp4(x0: v128): v128 {
  const x = clamp4(x0, -87.0, 88.0);
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, splat(1.4426950408889634)), splat(0.5)));
  let r = f32x4.sub(x, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, splat(-2.12194440e-4)));
  let p = splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), splat(1));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2);
}

// 0.5 * erfc(a) for a >= 0 by Abramowitz & Stegun 7.1.26 (erf to |error| <= 1.5e-7).
@inline function halfErfc4(a: v128): v128 {
  const t = f32x4.div(splat(1), f32x4.add(splat(1), f32x4.mul(splat(0.3275911), a)));
  let poly = f32x4.add(splat(-1.453152027), f32x4.mul(t, splat(1.061405429)));
  poly = f32x4.add(splat(1.421413741), f32x4.mul(t, poly));
  poly = f32x4.add(splat(-0.284496736), f32x4.mul(t, poly));
  poly = f32x4.add(splat(0.254829592), f32x4.mul(t, poly));
  poly = f32x4.mul(t, poly);
  return f32x4.mul(f32x4.mul(splat(0.5), poly), exp4(f32x4.neg(f32x4.mul(a, a))));
}

// erf(x), as erf_f32 in wgsl/gelu_lib.wgsl.
@inline export function erf4(x: v128): v128 {
  const r = f32x4.sub(splat(1), f32x4.mul(splat(2), halfErfc4(f32x4.abs(x))));
  return v128.bitselect(f32x4.neg(r), r, f32x4.lt(x, splat(0)));
}

// Phi(x) = 0.5 (1 + erf(x / sqrt(2))) as q or 1 - q (no cancellation for x < 0); x clamped.
@inline function phiCdf4(xs: v128): v128 {
  const q = halfErfc4(f32x4.mul(f32x4.abs(xs), splat(INV_SQRT2)));
  return v128.bitselect(q, f32x4.sub(splat(1), q), f32x4.lt(xs, splat(0)));
}

// Tanh form: sigmoid(2u) = 0.5 (1 + tanh(u)) and 2e / (1 + e)^2 = 0.5 (1 - tanh(u)^2), e = exp(-2|u|).
@inline function tanhSig4(xs: v128): v128 {
  const u = f32x4.mul(splat(K0), f32x4.add(xs, f32x4.mul(splat(GC), f32x4.mul(xs, f32x4.mul(xs, xs)))));
  const e = exp4(f32x4.mul(splat(-2), f32x4.min(f32x4.abs(u), splat(30))));
  const r = f32x4.div(splat(1), f32x4.add(splat(1), e));
  return v128.bitselect(f32x4.mul(e, r), r, f32x4.lt(u, splat(0)));
}

@inline function tanhSech4(xs: v128): v128 {
  const u = f32x4.mul(splat(K0), f32x4.add(xs, f32x4.mul(splat(GC), f32x4.mul(xs, f32x4.mul(xs, xs)))));
  const e = exp4(f32x4.mul(splat(-2), f32x4.min(f32x4.abs(u), splat(30))));
  const r = f32x4.div(splat(1), f32x4.add(splat(1), e));
  return f32x4.mul(f32x4.mul(splat(2), e), f32x4.mul(r, r));
}

// gelu(x); approx 0 = tanh form, 1 = erf form. x < -15 uses the clamped value (result ~0).
@inline export function gelu4(x: v128, approx: u32): v128 {
  const xs = clamp4(x, -15.0, 15.0);
  const xm = v128.bitselect(xs, x, f32x4.lt(x, splat(0)));
  return f32x4.mul(xm, approx == 0 ? tanhSig4(xs) : phiCdf4(xs));
}

// gelu'(x); approx 0 = tanh form, 1 = erf form.
@inline export function geluGrad4(x: v128, approx: u32): v128 {
  const xs = clamp4(x, -15.0, 15.0);
  if (approx == 0) {
    const dU = f32x4.mul(splat(K0), f32x4.add(splat(1), f32x4.mul(splat(3 * GC), f32x4.mul(xs, xs))));
    return f32x4.add(tanhSig4(xs), f32x4.mul(f32x4.mul(xs, tanhSech4(xs)), dU));
  }
  const phi = f32x4.mul(splat(INV_SQRT_2PI), exp4(f32x4.mul(splat(-0.5), f32x4.mul(xs, xs))));
  return f32x4.add(phiCdf4(xs), f32x4.mul(xs, phi));
}

// Scalar forms through lane 0 of the vector code (so tails match the SIMD body exactly).
@inline export function gelu1(x: f32, approx: u32): f32 {
  return f32x4.extract_lane(gelu4(f32x4.splat(x), approx), 0);
}

@inline export function geluGrad1(x: f32, approx: u32): f32 {
  return f32x4.extract_lane(geluGrad4(f32x4.splat(x), approx), 0);
}

export function gelu(x: usize, out: usize, n: u32, approx: u32): void {
  const n4 = n & ~3;
  let i: u32 = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, gelu4(v128.load(x + o), approx));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, gelu1(load<f32>(x + o), approx));
  }
}

// x [n / C, C], bias [C]: pre = x + bias, out = gelu(pre).
export function gelu_bias(x: usize, bias: usize, out: usize, pre: usize, n: u32, C: u32, approx: u32): void {
  const C4 = C & ~3;
  const rowBytes = (<usize>C) << 2;
  const rows = n / C;
  for (let r: u32 = 0; r < rows; r++) {
    const row = (<usize>r) * rowBytes;
    let j: u32 = 0;
    for (; j < C4; j += 4) {
      const o = (<usize>j) << 2;
      const v = f32x4.add(v128.load(x + row + o), v128.load(bias + o));
      v128.store(pre + row + o, v);
      v128.store(out + row + o, gelu4(v, approx));
    }
    for (; j < C; j++) {
      const o = (<usize>j) << 2;
      const v = load<f32>(x + row + o) + load<f32>(bias + o);
      store<f32>(pre + row + o, v);
      store<f32>(out + row + o, gelu1(v, approx));
    }
  }
}

// dpre = dy * gelu'(pre), elements of chunks [itemStart, itemEnd) (kernels/parallel.ts).
export function gelu_backward(dy: usize, pre: usize, dpre: usize, n: u32, approx: u32, itemStart: u32, itemEnd: u32, scratch: usize): void {
  const end = min(n, itemEnd * ELEMENTWISE_CHUNK);
  const n4 = end & ~3;
  let i: u32 = itemStart * ELEMENTWISE_CHUNK;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dpre + o, f32x4.mul(v128.load(dy + o), geluGrad4(v128.load(pre + o), approx)));
  }
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dpre + o, load<f32>(dy + o) * geluGrad1(load<f32>(pre + o), approx));
  }
}
