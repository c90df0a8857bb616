// Float64 reference of the tiled matmul: epilogue (bias, activation) and backward.
import { refMatmul } from './ops.js';
import { refGelu1, refGeluGrad1 } from './gelu.js';

export type RefActivation = 'none' | 'relu' | 'gelu_tanh' | 'gelu_erf';

export function refActivate(x: number, act: RefActivation): number {
  if (act === 'relu') return Math.max(x, 0);
  if (act === 'gelu_tanh') return refGelu1(x, 'tanh');
  if (act === 'gelu_erf') return refGelu1(x, 'erf');
  return x;
}

/** act'(x); ReLU's slope at 0 is 0. */
export function refActivateSlope(x: number, act: RefActivation): number {
  if (act === 'relu') return x > 0 ? 1 : 0;
  if (act === 'gelu_tanh') return refGeluGrad1(x, 'tanh');
  if (act === 'gelu_erf') return refGeluGrad1(x, 'erf');
  return 1;
}

export interface RefMatmulShape {
  batchA: number;
  batchB: number;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
}

/** pre = op(A) @ op(B) + bias (bias [N] or null), out = act(pre), slope = act'(pre); [batch, M, N]. */
export function refMatmulEpilogue(
  A: Float64Array,
  B: Float64Array,
  bias: Float64Array | null,
  act: RefActivation,
  s: RefMatmulShape,
): { out: Float64Array; pre: Float64Array; slope: Float64Array } {
  const pre = refMatmul(A, B, s.batchA, s.batchB, s.M, s.N, s.K, s.transA, s.transB);
  if (bias) for (let i = 0; i < pre.length; i++) pre[i] += bias[i % s.N];
  return { pre, out: pre.map((v) => refActivate(v, act)), slope: pre.map((v) => refActivateSlope(v, act)) };
}

/**
 * Gradients of sum(dY * (op(A) @ op(B))) with respect to A and B (in their stored layouts);
 * an operand shared over the batch (batch 1) accumulates over every batch entry.
 */
export function refMatmulBackward(dY: Float64Array, A: Float64Array, B: Float64Array, s: RefMatmulShape): { dA: Float64Array; dB: Float64Array } {
  const { M, N, K, transA, transB } = s;
  const batch = Math.max(s.batchA, s.batchB);
  const dA = new Float64Array(A.length);
  const dB = new Float64Array(B.length);
  const ia = (b: number, m: number, k: number) => (s.batchA === 1 ? 0 : b * M * K) + (transA ? k * M + m : m * K + k);
  const ib = (b: number, k: number, n: number) => (s.batchB === 1 ? 0 : b * K * N) + (transB ? n * K + k : k * N + n);
  for (let b = 0; b < batch; b++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        const g = dY[(b * M + m) * N + n];
        for (let k = 0; k < K; k++) {
          dA[ia(b, m, k)] += g * B[ib(b, k, n)];
          dB[ib(b, k, n)] += g * A[ia(b, m, k)];
        }
      }
  return { dA, dB };
}
