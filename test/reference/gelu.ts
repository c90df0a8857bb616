// Float64 reference of GELU (both forms), its derivative, and erf.

/** erf to ~1e-15: Maclaurin series for |x| < 2.5, the erfc continued fraction beyond. */
export function erf64(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < 2.5) {
    const x2 = a * a;
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const c = term / (2 * n + 1);
      sum += c;
      if (Math.abs(c) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(a) = exp(-a^2) / sqrt(pi) / (a + (1/2) / (a + 1 / (a + (3/2) / (a + 2 / (a + ...))))), from the tail.
    let f = a;
    for (let k = 200; k >= 1; k--) f = a + k / 2 / f;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

export type RefGeluApprox = 'tanh' | 'erf';
const K0 = Math.sqrt(2 / Math.PI);
const C = 0.044715;

export function refGelu1(x: number, approx: RefGeluApprox): number {
  if (approx === 'tanh') return 0.5 * x * (1 + Math.tanh(K0 * (x + C * x * x * x)));
  return 0.5 * x * (1 + erf64(x / Math.SQRT2));
}

/** d gelu / dx. */
export function refGeluGrad1(x: number, approx: RefGeluApprox): number {
  if (approx === 'tanh') {
    const t = Math.tanh(K0 * (x + C * x * x * x));
    const sech2 = 1 - t * t;
    return 0.5 * (1 + t) + (sech2 === 0 ? 0 : 0.5 * x * sech2 * K0 * (1 + 3 * C * x * x));
  }
  const phi = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  return 0.5 * (1 + erf64(x / Math.SQRT2)) + (phi === 0 ? 0 : x * phi);
}

export function refGelu(x: Float64Array, approx: RefGeluApprox): Float64Array {
  return x.map((v) => refGelu1(v, approx));
}

/** pre = x + bias (bias over the last dim, f32-rounded like the kernel's add), out = gelu(pre). */
export function refBiasGelu(x: Float64Array, bias: Float64Array, approx: RefGeluApprox): { out: Float64Array; pre: Float64Array } {
  const pre = x.map((v, i) => Math.fround(v + bias[i % bias.length]));
  return { out: refGelu(pre, approx), pre };
}

export function refGeluBackward(dy: Float64Array, pre: Float64Array, approx: RefGeluApprox): Float64Array {
  return pre.map((v, i) => dy[i] * refGeluGrad1(v, approx));
}
