// The kernels' math library (AssemblyScript twin of wgsl/lib/math.wgsl): exp, erf, GELU in
// both forms and its derivative, on 4 lanes, plus scalar forms through lane 0 (so tails match
// the SIMD body exactly). Every kernel that needs one of these imports it from here.
//
// GELU forms (approx 0 = tanh, 1 = erf):
//   tanh: gelu(x) = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
//         gelu'(x) = 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
//   erf:  gelu(x) = x Phi(x),  Phi(x) = 0.5 (1 + erf(x / sqrt(2))),  gelu'(x) = Phi(x) + x phi(x)
// evaluated without cancellation or overflow: 0.5 (1 + tanh(u)) = sigmoid(2u) from e = exp(-2|u|),
// Phi from erfc = poly * exp(-a^2) (A&S 7.1.26) as q or 1 - q; x clamped to [-15, 15], |u| to 30.

import { madd } from './simd';

const K0: f32 = 0.7978845608028654; // sqrt(2 / pi)
const GC: f32 = 0.044715;
const INV_SQRT2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

@inline function splat(v: f32): v128 {
  return f32x4.splat(v);
}

// pmax/pmin (one instruction each; f32x4.max/min's IEEE NaN and -0 rules compile to about
// eight on x64): the same results, a NaN x included (pmax(x, lo) is x < lo ? lo : x).
@inline function clamp4(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(x, splat(lo)), splat(hi));
}

// e^x (Cephes expf: x = n ln2 + r, |r| <= ln2 / 2, degree-6 polynomial, ~1 ulp). Below
// -87.34 (results under FLT_MIN) gives 0, above 88.72 +Inf; NaN propagates.
// f32x4.pmax/pmin (one instruction each) rather than max/min (IEEE NaN/-0 handling, several):
// pmax(x, lo) keeps a NaN x.
@inline export function exp4(x: v128): v128 {
  const lo = splat(-87.33654);
  const hi = splat(88.72283);
  const under = f32x4.lt(x, lo);
  const over = f32x4.gt(x, hi);
  const xc = f32x4.pmin(f32x4.pmax(x, lo), hi);
  const t = expRound4(xc);
  const y = expOfRemainder4(xc, t);
  // 2^n in two factors: n reaches 128 at the top of the range, past the largest f32 exponent.
  const half = i32x4.shr_s(i32x4.sub(t, i32x4.splat(0x4b400000)), 1);
  const p1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const p2 = i32x4.shl(i32x4.add(i32x4.sub(i32x4.sub(t, i32x4.splat(0x4b400000)), half), i32x4.splat(127)), 23);
  const e = f32x4.mul(f32x4.mul(y, p1), p2);
  return v128.bitselect(splat(<f32>Infinity), v128.andnot(e, under), over);
}

/**
 * e^x for softmax arguments (x - max, at most ~0; anything up to 88 is exact): exp4 without its
 * overflow and underflow selects and with 2^n in one factor, n in [-126, 127]. Below -87.34 it
 * gives ~1.2e-38 (FLT_MIN) instead of 0, which a softmax sum of at least 1 cannot see; callers
 * that need an exact 0 (masked lanes) and it with their mask. NaN propagates. In place of exp4 in
 * a training step's profile (2026-12-05, `npm run bench -- --profile`, builds alternating):
 * softmax_xent 22-25% faster, attention_fwd 2-7%, attention_bwd 2-3% (three pairs).
 */
@inline export function expSoftmax4(x: v128): v128 {
  const xc = clamp4(x, -87.33654, 88.0);
  const t = expRound4(xc);
  const y = expOfRemainder4(xc, t);
  // 2^n: t's low bits hold n (see expRound4), so its bits minus 1.5 * 2^23's plus the bias 127
  // are the exponent field
  return f32x4.mul(y, i32x4.shl(i32x4.add(t, i32x4.splat(127 - 0x4b400000)), 23));
}

// Round-to-nearest of x log2e through the f32 mantissa: t = x log2e + 1.5 * 2^23 holds
// n = round(x log2e) in its low bits (|x log2e| < 2^22), so n = t - 1.5 * 2^23 and 2^n needs no
// conversion.
@inline function expRound4(xc: v128): v128 {
  return f32x4.add(f32x4.mul(xc, splat(1.44269504088896341)), splat(12582912.0));
}

// e^r, r = x - n ln2 (|r| <= ln2 / 2, ln2 in two parts), for the n that t holds.
@inline function expOfRemainder4(xc: v128, t: v128): v128 {
  const n = f32x4.sub(t, splat(12582912.0));
  let r = f32x4.sub(xc, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(n, splat(2.12194440e-4)));
  // The degree-5 polynomial by Estrin's scheme (depth 4 instead of Horner's 6 multiply-adds:
  // GELU's chain of dependent operations is what bounds its speed, not their count).
  const r2 = f32x4.mul(r, r);
  const p01 = madd(splat(1.6666665459e-1), r, splat(5.0000001201e-1));
  const p23 = madd(splat(8.3334519073e-3), r, splat(4.1665795894e-2));
  const p45 = madd(splat(1.9875691500e-4), r, splat(1.3981999507e-3));
  const p = madd(p45, f32x4.mul(r2, r2), madd(p23, r2, p01));
  return madd(p, r2, f32x4.add(r, splat(1)));
}

@inline export function expSoftmax1(x: f32): f32 {
  return f32x4.extract_lane(expSoftmax4(f32x4.splat(x)), 0);
}

// 0.5 * erfc(a) for a >= 0 by Abramowitz & Stegun 7.1.26 (erf to |error| <= 1.5e-7), given
// e = exp(-a^2).
@inline function halfErfcFromExp4(a: v128, e: v128): v128 {
  const t = f32x4.div(splat(1), f32x4.add(splat(1), f32x4.mul(splat(0.3275911), a)));
  // t (a1 + a2 t + a3 t^2 + a4 t^3 + a5 t^4) by Estrin's scheme (see exp4)
  const t2 = f32x4.mul(t, t);
  const q01 = madd(splat(-0.284496736), t, splat(0.254829592));
  const q23 = madd(splat(-1.453152027), t, splat(1.421413741));
  const poly = f32x4.mul(t, madd(madd(splat(1.061405429), t2, q23), t2, q01));
  return f32x4.mul(f32x4.mul(splat(0.5), poly), e);
}

@inline function halfErfc4(a: v128): v128 {
  return halfErfcFromExp4(a, exp4(f32x4.neg(f32x4.mul(a, a))));
}

// erf(x), as erf_f32 in wgsl/lib/math.wgsl.
@inline export function erf4(x: v128): v128 {
  const r = f32x4.sub(splat(1), f32x4.mul(splat(2), halfErfc4(f32x4.abs(x))));
  return v128.bitselect(f32x4.neg(r), r, f32x4.lt(x, splat(0)));
}

// Phi(x) = 0.5 (1 + erf(x / sqrt(2))) as q or 1 - q (no cancellation for x < 0); x clamped;
// e = exp(-x^2 / 2) (shared with phi(x) in the gradient).
@inline function phiCdf4(xs: v128, e: v128): v128 {
  const q = halfErfcFromExp4(f32x4.mul(f32x4.abs(xs), splat(INV_SQRT2)), e);
  return v128.bitselect(q, f32x4.sub(splat(1), q), f32x4.lt(xs, splat(0)));
}

// exp(-x^2 / 2)
@inline function halfSquareExp4(xs: v128): v128 {
  return exp4(f32x4.mul(splat(-0.5), f32x4.mul(xs, xs)));
}

// e = exp(-2|u|) for the tanh form, u clamped to |u| <= 30.
@inline function tanhE4(xs: v128): v128 {
  const u = f32x4.mul(splat(K0), f32x4.add(xs, f32x4.mul(splat(GC), f32x4.mul(xs, f32x4.mul(xs, xs)))));
  return exp4(f32x4.mul(splat(-2), f32x4.pmin(f32x4.abs(u), splat(30))));
}

// sigmoid(2u) = 0.5 (1 + tanh(u)) from e = tanhE4(xs) and r = 1 / (1 + e): r for u >= 0, e r
// for u < 0 (the sign of u is the sign of x).
@inline function tanhSigFrom4(xs: v128, e: v128, r: v128): v128 {
  return v128.bitselect(f32x4.mul(e, r), r, f32x4.lt(xs, splat(0)));
}

@inline function tanhSig4(xs: v128): v128 {
  const e = tanhE4(xs);
  return tanhSigFrom4(xs, e, f32x4.div(splat(1), f32x4.add(splat(1), e)));
}

// gelu'(x), tanh form, from e, r and sig = tanhSigFrom4(xs, e, r).
@inline function tanhSlope4(xs: v128, e: v128, r: v128, sig: v128): v128 {
  const sech = f32x4.mul(f32x4.mul(splat(2), e), f32x4.mul(r, r)); // 0.5 (1 - tanh(u)^2)
  const dU = f32x4.mul(splat(K0), f32x4.add(splat(1), f32x4.mul(splat(3 * GC), f32x4.mul(xs, xs))));
  return f32x4.add(sig, f32x4.mul(f32x4.mul(xs, sech), dU));
}

// gelu'(x), erf form: Phi(x) + x phi(x) from cdf = Phi(x) and e = exp(-x^2 / 2).
@inline function erfSlope4(xs: v128, cdf: v128, e: v128): v128 {
  return f32x4.add(cdf, f32x4.mul(xs, f32x4.mul(splat(INV_SQRT_2PI), e)));
}

// gelu(x); approx 0 = tanh form, 1 = erf form. x < -15 uses the clamped value (result ~0).
@inline export function gelu4(x: v128, approx: u32): v128 {
  const xs = clamp4(x, -15.0, 15.0);
  const xm = v128.bitselect(xs, x, f32x4.lt(x, splat(0)));
  return f32x4.mul(xm, approx == 0 ? tanhSig4(xs) : phiCdf4(xs, halfSquareExp4(xs)));
}

// gelu'(x); approx 0 = tanh form, 1 = erf form.
@inline export function geluGrad4(x: v128, approx: u32): v128 {
  const xs = clamp4(x, -15.0, 15.0);
  if (approx == 0) {
    const e = tanhE4(xs);
    const r = f32x4.div(splat(1), f32x4.add(splat(1), e));
    return tanhSlope4(xs, e, r, tanhSigFrom4(xs, e, r));
  }
  const e = halfSquareExp4(xs);
  return erfSlope4(xs, phiCdf4(xs, e), e);
}

// gelu(x), also storing gelu'(x) at slopeAt (one exponential for both): the matmul epilogue's
// output and the slope its backward multiplies by. The same operations as gelu4 and geluGrad4.
@inline export function geluWithSlope4(x: v128, approx: u32, slopeAt: usize): v128 {
  const xs = clamp4(x, -15.0, 15.0);
  const xm = v128.bitselect(xs, x, f32x4.lt(x, splat(0)));
  if (approx == 0) {
    const e = tanhE4(xs);
    const r = f32x4.div(splat(1), f32x4.add(splat(1), e));
    const sig = tanhSigFrom4(xs, e, r);
    v128.store(slopeAt, tanhSlope4(xs, e, r, sig));
    return f32x4.mul(xm, sig);
  }
  const e = halfSquareExp4(xs);
  const cdf = phiCdf4(xs, e);
  v128.store(slopeAt, erfSlope4(xs, cdf, e));
  return f32x4.mul(xm, cdf);
}

@inline export function gelu1(x: f32, approx: u32): f32 {
  return f32x4.extract_lane(gelu4(f32x4.splat(x), approx), 0);
}

@inline export function geluGrad1(x: f32, approx: u32): f32 {
  return f32x4.extract_lane(geluGrad4(f32x4.splat(x), approx), 0);
}
