// Finite-difference gradient checks against the float64 reference.
//
// For a reference forward f: inputs -> output (float64), and an upstream gradient dy,
// the gradient of L = sum(dy * f(inputs)) with respect to input j is estimated by
// central differences: dL/dx_i ~ (L(x_i + h) - L(x_i - h)) / 2h. Done in float64, so
// the estimate is accurate to ~h^2; the kernel's backward (f32) is then compared to it
// with the op's stated tolerance.

export type RefForward = (inputs: Float64Array[]) => Float64Array;

export function weightedSum(y: Float64Array, dy: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * dy[i];
  return s;
}

/**
 * Numerical gradient of sum(dy * f(inputs)) with respect to inputs[which].
 * `indices` limits which elements are perturbed (the rest come back NaN); default all.
 */
export function numericalGradient(
  f: RefForward,
  inputs: Float64Array[],
  which: number,
  dy: Float64Array,
  h = 1e-5,
  indices?: number[],
): Float64Array {
  const x = inputs[which];
  const grad = new Float64Array(x.length).fill(indices ? NaN : 0);
  const idx = indices ?? Array.from({ length: x.length }, (_, i) => i);
  for (const i of idx) {
    const orig = x[i];
    x[i] = orig + h;
    const plus = weightedSum(f(inputs), dy);
    x[i] = orig - h;
    const minus = weightedSum(f(inputs), dy);
    x[i] = orig;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}

/** Picks up to `count` distinct indices in [0, n) deterministically (for large inputs). */
export function sampleIndices(n: number, count: number, seed = 1): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>();
  let s = seed >>> 0;
  while (out.size < count) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.add(s % n);
  }
  return [...out].sort((a, b) => a - b);
}

/** Keeps only the entries of `actual` at `indices` (to compare against a sampled numerical gradient). */
export function pick(actual: ArrayLike<number>, indices: number[]): Float64Array {
  return Float64Array.from(indices, (i) => actual[i]);
}
