// The kernels' math library (WGSL twin of kernels/math.ts): erf, GELU in both forms and its
// derivative. Prepended to every kernel that needs one of them (the gelu kernels, the matmul
// epilogue), so fused and unfused GELU are the same function. exp is WGSL's builtin.
// approx: 0 = tanh, 1 = erf.
//   tanh: gelu(x) = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
//         gelu'(x) = 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
//   erf:  gelu(x) = x Phi(x),  Phi(x) = 0.5 (1 + erf(x / sqrt(2))),  gelu'(x) = Phi(x) + x phi(x),
//         phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
// Evaluation (same functions, no cancellation, no overflow):
//   0.5 (1 + tanh(u)) = sigmoid(2u) = 1 / (1 + e) for u >= 0, e / (1 + e) for u < 0, e = exp(-2|u|),
//   0.5 (1 - tanh(u)^2) = 2 e / (1 + e)^2;  tanh itself is never called (it can give NaN for
//   large arguments on some implementations). Phi from erfc = poly * exp(-a^2) (A&S 7.1.26) as
//   q or 1 - q. x is clamped to [-15, 15] inside the polynomials and exponentials and |u| to
//   30: beyond that every term has saturated in f32 (gelu(x < -15) ~ -1e-25, not NaN).
const GELU_K0: f32 = 0.7978845608028654;     // sqrt(2 / pi)
const GELU_C: f32 = 0.044715;
const GELU_INV_SQRT2: f32 = 0.7071067811865476;
const GELU_INV_SQRT_2PI: f32 = 0.3989422804014327;

// 0.5 * erfc(a) for a >= 0 by Abramowitz & Stegun 7.1.26 (erf to |error| <= 1.5e-7), given
// e = exp(-a^2).
fn half_erfc_from_exp(a: f32, e: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 0.5 * poly * e;
}

fn half_erfc_f32(a: f32) -> f32 {
  return half_erfc_from_exp(a, exp(-a * a));
}

fn erf_f32(x: f32) -> f32 {
  let r = 1.0 - 2.0 * half_erfc_f32(abs(x));
  return select(r, -r, x < 0.0);
}

// Phi(x) = 0.5 (1 + erf(x / sqrt(2))), x already clamped, given e = exp(-x^2 / 2) (shared
// with phi(x) in the gradient).
fn gelu_phi_cdf(xs: f32, e: f32) -> f32 {
  let q = half_erfc_from_exp(abs(xs) * GELU_INV_SQRT2, e);
  return select(1.0 - q, q, xs < 0.0);
}

// vec2(sigmoid(2u), 2 e / (1 + e)^2) for the tanh form, x already clamped.
fn gelu_tanh_parts(xs: f32) -> vec2f {
  let u = GELU_K0 * (xs + GELU_C * xs * xs * xs);
  let e = exp(-2.0 * min(abs(u), 30.0));
  let r = 1.0 / (1.0 + e);
  return vec2f(select(r, e * r, u < 0.0), 2.0 * e * r * r);
}

// vec2(gelu(x), gelu'(x)), sharing the exponential: the matmul epilogue writes both (the
// output and the slope its backward multiplies by); gelu_tanh / gelu_tanh_grad take one half.
fn gelu_tanh_with_grad(x: f32) -> vec2f {
  let xs = clamp(x, -15.0, 15.0);
  let s = gelu_tanh_parts(xs);
  return vec2f(select(x, xs, x < 0.0) * s.x, s.x + xs * s.y * GELU_K0 * (1.0 + 3.0 * GELU_C * xs * xs));
}

fn gelu_tanh(x: f32) -> f32 {
  return gelu_tanh_with_grad(x).x;
}

fn gelu_tanh_grad(x: f32) -> f32 {
  return gelu_tanh_with_grad(x).y;
}

// vec2(gelu(x), gelu'(x)) for the erf form, one exponential for Phi and phi.
fn gelu_erf_with_grad(x: f32) -> vec2f {
  let xs = clamp(x, -15.0, 15.0);
  let e = exp(-0.5 * xs * xs);
  let cdf = gelu_phi_cdf(xs, e);
  return vec2f(select(x, xs, x < 0.0) * cdf, cdf + xs * GELU_INV_SQRT_2PI * e);
}

fn gelu_erf(x: f32) -> f32 {
  return gelu_erf_with_grad(x).x;
}

fn gelu_erf_grad(x: f32) -> f32 {
  return gelu_erf_with_grad(x).y;
}

fn gelu_fn(x: f32, approx: u32) -> f32 {
  if (approx == 0u) { return gelu_tanh(x); }
  return gelu_erf(x);
}

fn gelu_grad(x: f32, approx: u32) -> f32 {
  if (approx == 0u) { return gelu_tanh_grad(x); }
  return gelu_erf_grad(x);
}
