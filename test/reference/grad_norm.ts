// Float64 references of the global gradient norm and clipping factor (runtime/ops/grad_norm.ts).

export function refGradNormSquared(grads: Float64Array[]): number {
  let s = 0;
  for (const g of grads) for (const x of g) s += x * x;
  return s;
}

export function refClipScale(normSq: number, maxNorm: number, eps = 1e-6): number {
  return Math.min(1, maxNorm / (Math.sqrt(normSq) + eps));
}
