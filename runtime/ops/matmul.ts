import matmulNaiveWgsl from '../../wgsl/matmul_naive.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';
import { fill } from './fill.js';

export const matmulNaiveKernel = defineKernel({
  name: 'matmul_naive',
  wgsl: matmulNaiveWgsl,
  inputs: 2,
  outputs: 1,
  params: ['u32', 'u32', 'u32', 'u32', 'u32', 'u32'],
  constants: ['TRANS_A', 'TRANS_B'],
  workgroups: ([batch, M, N]) => [Math.ceil(N / 16), Math.ceil(M / 16), batch],
});

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

export interface MatmulShape {
  batch: number;
  M: number;
  N: number;
  K: number;
  strideA: number;
  strideB: number;
  outShape: number[];
}

/**
 * Resolves the shapes of a batched matmul. a: [...batch, M, K] ([..., K, M] when transA),
 * b: [...batch, K, N] ([..., N, K] when transB). Either side may have no batch dims
 * (or a batch of 1), in which case it is shared across the other's batch.
 */
export function matmulShape(a: Tensor, b: Tensor, { transA = false, transB = false }: MatmulOptions, op = 'matmul'): MatmulShape {
  if (a.rank < 2 || b.rank < 2) throw new OpArgumentError(op, `both operands need rank >= 2 (${describeArgs({ a, b })})`);
  const M = transA ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
  const Ka = transA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const Kb = transB ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  const N = transB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  if (Ka !== Kb) {
    throw new OpArgumentError(op, `inner dimensions differ: ${Ka} vs ${Kb} (${describeArgs({ a, b })}, transA=${transA}, transB=${transB})`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const nA = batchA.reduce((x, y) => x * y, 1);
  const nB = batchB.reduce((x, y) => x * y, 1);
  let batchShape: number[];
  if (nA === nB && (batchA.length === batchB.length || nA === 1)) batchShape = batchA.length >= batchB.length ? [...batchA] : [...batchB];
  else if (nB === 1) batchShape = [...batchA];
  else if (nA === 1) batchShape = [...batchB];
  else throw new OpArgumentError(op, `batch dimensions do not match (${describeArgs({ a, b })})`);
  if (nA === nB && batchA.length === batchB.length && !batchA.every((d, i) => d === batchB[i])) {
    throw new OpArgumentError(op, `batch dimensions do not match (${describeArgs({ a, b })})`);
  }
  const batch = batchShape.reduce((x, y) => x * y, 1);
  return {
    batch,
    M,
    N,
    K: Ka,
    strideA: nA === 1 ? 0 : M * Ka,
    strideB: nB === 1 ? 0 : Kb * N,
    outShape: [...batchShape, M, N],
  };
}

/** Batched matmul with transpose flags, one thread per output (the reference kernel). */
export function matmulNaive(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  expectTensor('matmul', 'a', a);
  expectTensor('matmul', 'b', b);
  const backend = commonBackend('matmul', { a, b });
  const s = matmulShape(a, b, options);
  const out = emptyTensor(backend, s.outShape, 'f32');
  if (out.size === 0) return out;
  if (s.K === 0) return fill(out, 0);
  backend.run({
    kernel: matmulNaiveKernel,
    inputs: [a.storage('matmul'), b.storage('matmul')],
    outputs: [out.storage('matmul')],
    params: [s.batch, s.M, s.N, s.K, s.strideA, s.strideB],
    constants: [options.transA ? 1 : 0, options.transB ? 1 : 0],
  });
  return out;
}

/** Batched matmul. (The tiled kernels replace the naive one here.) */
export const matmul = matmulNaive;
