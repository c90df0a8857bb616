// Matmul at the issue's shapes: 1024^3, and BERT4Rec's (batch 64 x length 200 = 12800 rows,
// d = 64, FFN 256, 2560 masked rows against 3418 items). Weights are stored [out, in] and
// used with transB, as the model does. Plus the naive WGSL matmul at a medium shape, for
// the tiled-vs-naive comparison (both at 512^3).
import { matmul, matmulBackward, matmulNaive, scope, type Activation, type Runtime, type Tensor } from '../../runtime/internal.js';
import type { BenchCase } from '../types.js';

function input(rt: Runtime, shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return rt.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.5), shape);
}

interface Spec {
  name: string;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  bias?: boolean;
  activation?: Activation;
  naive?: boolean;
  backends?: Array<'webgpu' | 'wasm'>;
}

function matmulCase(s: Spec): BenchCase {
  const { M, N, K } = s;
  return {
    name: `${s.naive ? 'matmul_naive' : 'matmul'} ${s.name} ${M}x${N}x${K}${s.transA ? ' transA' : ''}${s.transB ? ' transB' : ''}${s.bias ? ' +bias' : ''}${s.activation ? ` +${s.activation}` : ''}`,
    group: 'matmul',
    flops: 2 * M * N * K,
    bytes: 4 * (M * K + K * N + M * N + (s.bias ? N : 0)),
    backends: s.backends,
    async setup(rt) {
      const a = input(rt, s.transA ? [K, M] : [M, K], 1);
      const b = input(rt, s.transB ? [N, K] : [K, N], 2);
      const bias = s.bias ? input(rt, [N], 3) : null;
      const opts = { transA: s.transA, transB: s.transB };
      return {
        run: () => scope(() => void (s.naive ? matmulNaive(a, b, opts) : matmul(a, b, { ...opts, bias, activation: s.activation }))),
        dispose: () => [a, b, bias].forEach((t) => t?.dispose()),
      };
    },
  };
}

/** The backward of x[M, K] @ W[N, K]^T: dx = dY @ W (M x K x N) and dW = dY^T @ x (N x K x M). */
function backwardCase(name: string, M: number, N: number, K: number): BenchCase {
  return {
    name: `matmulBackward ${name} ${M}x${N}x${K} transB`,
    group: 'matmul',
    flops: 4 * M * N * K,
    bytes: 4 * 2 * (M * K + K * N + M * N),
    async setup(rt) {
      const x = input(rt, [M, K], 1);
      const w = input(rt, [N, K], 2);
      const dy = input(rt, [M, N], 3);
      return {
        run: () => scope(() => void matmulBackward(dy, x, w, { transB: true })),
        dispose: () => [x, w, dy].forEach((t) => t.dispose()),
      };
    },
  };
}

export const benchCases: BenchCase[] = [
  matmulCase({ name: 'square', M: 1024, N: 1024, K: 1024 }),
  matmulCase({ name: 'BERT4Rec QKV/out projection', M: 12800, N: 64, K: 64, transB: true, bias: true }),
  matmulCase({ name: 'BERT4Rec FFN in', M: 12800, N: 256, K: 64, transB: true, bias: true, activation: 'gelu_tanh' }),
  matmulCase({ name: 'BERT4Rec FFN out', M: 12800, N: 64, K: 256, transB: true, bias: true }),
  matmulCase({ name: 'BERT4Rec output logits', M: 2560, N: 3418, K: 64, transB: true, bias: true }),
  backwardCase('BERT4Rec FFN in', 12800, 256, 64),
  matmulCase({ name: 'medium', M: 512, N: 512, K: 512 }),
  matmulCase({ name: 'medium', M: 512, N: 512, K: 512, naive: true, backends: ['webgpu'] }),
];
