import layernormWgsl from '../../wgsl/layernorm.wgsl';
import layernormLibWgsl from '../../wgsl/layernorm_lib.wgsl';
import layernormBindingsWgsl from '../../wgsl/layernorm_bindings.wgsl';
import layernormResidualBindingsWgsl from '../../wgsl/layernorm_residual_bindings.wgsl';
import layernormBackwardWgsl from '../../wgsl/layernorm_backward.wgsl';
import layernormRowsWgsl from '../../wgsl/layernorm_rows.wgsl';
import layernormRowsBindingsWgsl from '../../wgsl/layernorm_rows_bindings.wgsl';
import layernormRowsResidualBindingsWgsl from '../../wgsl/layernorm_rows_residual_bindings.wgsl';
import layernormRowsBackwardWgsl from '../../wgsl/layernorm_rows_backward.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, grid1d, type KernelDef, type KernelVariant } from '../kernel.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';
import { fill } from './fill.js';
import { sumRowsInto } from './sum_rows.js';
import { prefersCpuKernels } from './variants.js';

/** Largest normalised dim: 64 threads per row x 16 values in registers each. */
export const LAYERNORM_MAX_D = 1024;
/** Default epsilon, as in the original BERT4Rec (TF). In f32 it only matters for (near-)constant rows. */
export const LAYERNORM_DEFAULT_EPS = 1e-12;

// Row-per-invocation WebGPU variants for CPU adapters (prefersCpuKernels; see
// wgsl/layernorm_rows.wgsl): d % 4 == 0 and d <= LAYERNORM_ROWS_MAX_D. They take no TPR.
export const LAYERNORM_ROWS_MAX_D = 128;
export const layernormRowsKernel = defineKernel({
  name: 'layernorm_rows',
  wgsl: layernormRowsBindingsWgsl + layernormRowsWgsl,
  inputs: 3,
  outputs: 3,
  params: ['u32', 'u32', 'f32'],
  workgroups: ([R]) => grid1d(R, 64),
});
export const layernormRowsResidualKernel = defineKernel({
  name: 'layernorm_rows_residual',
  wgsl: layernormRowsResidualBindingsWgsl + layernormRowsWgsl,
  inputs: 4,
  outputs: 4,
  params: ['u32', 'u32', 'f32'],
  workgroups: ([R]) => grid1d(R, 64),
});
/** Invocations per workgroup of layernorm_rows_backward (its WG); each handles one block of rows. */
const ROWS_BACKWARD_WG = 16;
export const layernormRowsBackwardKernel = defineKernel({
  name: 'layernorm_rows_backward',
  wgsl: layernormRowsBackwardWgsl,
  inputs: 5,
  outputs: 3,
  params: ['u32', 'u32', 'u32'], // R, d, rowsPerBlock
  workgroups: ([R, , rowsPerBlock]) => grid1d(Math.ceil(R / rowsPerBlock), ROWS_BACKWARD_WG),
});

/** The rows variant of a layer-norm kernel (params [R, d, ...]; drops the TPR constant). */
const rowsVariant = (kernel: KernelDef): KernelVariant => ({
  kernel,
  needs: prefersCpuKernels,
  fits: ([, d]) => d % 4 === 0 && d <= LAYERNORM_ROWS_MAX_D,
  adapt: (params) => ({ params, constants: [] }),
});

// The shader text is bindings + shared lib + entry (the bindings decide where the input comes from).
export const layernormKernel = defineKernel({
  name: 'layernorm',
  wgsl: layernormBindingsWgsl + layernormLibWgsl + layernormWgsl,
  inputs: 3, // x, gamma, beta
  outputs: 3, // y, mean, rstd
  params: ['u32', 'u32', 'f32'], // R, d, eps
  constants: ['TPR'],
  workgroups: ([R], [tpr]) => grid1d(R, 64 / tpr),
  variants: [rowsVariant(layernormRowsKernel)],
});

export const layernormResidualKernel = defineKernel({
  name: 'layernorm_residual',
  wgsl: layernormResidualBindingsWgsl + layernormLibWgsl + layernormWgsl,
  inputs: 4, // x, res, gamma, beta
  outputs: 4, // y, mean, rstd, input = x + res
  params: ['u32', 'u32', 'f32'],
  constants: ['TPR'],
  workgroups: ([R], [tpr]) => grid1d(R, 64 / tpr),
  variants: [rowsVariant(layernormRowsResidualKernel)],
});

export const layernormBackwardKernel = defineKernel({
  name: 'layernorm_backward',
  wgsl: layernormLibWgsl + layernormBackwardWgsl,
  inputs: 5, // dy, input, gamma, mean, rstd
  outputs: 3, // dx, partial dgamma [blocks, d], partial dbeta [blocks, d]
  params: ['u32', 'u32', 'u32'], // R, d, rowsPerBlock (a multiple of the 64 / TPR rows a workgroup holds)
  constants: ['TPR'],
  workgroups: ([R, , rowsPerBlock]) => grid1d(R, rowsPerBlock),
  variants: [rowsVariant(layernormRowsBackwardKernel)],
});

/** Threads per row for the WebGPU kernels: a power of two with <= 8 values per thread up to d = 512, <= 16 up to 1024. */
export function layernormThreadsPerRow(d: number): number {
  let t = 1;
  while (t < 64 && t * 8 < d) t *= 2;
  return t;
}

/** Most blocks (partial dgamma/dbeta rows) the backward writes before its final reduction. */
const MAX_BACKWARD_BLOCKS = 512;

/** Options of ops.layerNorm. */
export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-12 (LAYERNORM_DEFAULT_EPS). */
  eps?: number;
  /** When given, the normalised input is x + residual (written out as `input`). Same shape as x. */
  residual?: Tensor;
}

/** What ops.layerNorm returns: the output and the per-row statistics layerNormBackward needs. */
export interface LayerNormResult {
  /** Normalised, scaled and shifted output, x's shape. */
  y: Tensor;
  /** Per-row mean, x's shape without the last dim. */
  mean: Tensor;
  /** Per-row 1 / sqrt(var + eps) (biased variance). */
  rstd: Tensor;
  /** What was normalised: a new tensor x + residual, or x itself (not a copy) without a residual. */
  input: Tensor;
}

function rowsOf(shape: readonly number[]): number {
  return shape.slice(0, -1).reduce((a, b) => a * b, 1);
}

/**
 * Layer norm over the last dim: y = (input - mean) * rstd * gamma + beta, input = x (+ residual).
 * x: [..., d] with 1 <= d <= 1024; gamma, beta: [d]. One fused kernel computes the input sum,
 * mean, variance (corrected two-pass), normalisation and affine transform.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, options: LayerNormOptions = {}): LayerNormResult {
  const op = 'layerNorm';
  const { eps = LAYERNORM_DEFAULT_EPS, residual } = options;
  expectTensor(op, 'x', x);
  expectTensor(op, 'gamma', gamma);
  expectTensor(op, 'beta', beta);
  if (residual !== undefined) expectTensor(op, 'residual', residual);
  const args: Record<string, Tensor> = residual ? { x, residual, gamma, beta } : { x, gamma, beta };
  const backend = commonBackend(op, args);
  if (x.rank < 1) throw new OpArgumentError(op, `x needs rank >= 1 (${describeArgs(args)})`);
  const d = x.shape[x.rank - 1];
  const R = rowsOf(x.shape);
  if (d < 1 || d > LAYERNORM_MAX_D) throw new OpArgumentError(op, `the last dim must be in [1, ${LAYERNORM_MAX_D}] (${describeArgs(args)})`);
  if (!shapesEqual(gamma.shape, [d]) || !shapesEqual(beta.shape, [d])) {
    throw new OpArgumentError(op, `gamma and beta must have shape [${d}] (${describeArgs(args)})`);
  }
  if (residual && !shapesEqual(residual.shape, x.shape)) throw new OpArgumentError(op, `residual must have x's shape (${describeArgs(args)})`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new OpArgumentError(op, `eps must be a finite number >= 0, got ${eps}`);

  const y = emptyTensor(backend, x.shape, 'f32');
  const mean = emptyTensor(backend, x.shape.slice(0, -1), 'f32');
  const rstd = emptyTensor(backend, x.shape.slice(0, -1), 'f32');
  const input = residual ? emptyTensor(backend, x.shape, 'f32') : x;
  if (R === 0) return { y, mean, rstd, input };
  const g = gamma.storage(op);
  const b = beta.storage(op);
  const outs = [y.storage(op), mean.storage(op), rstd.storage(op)];
  const tpr = layernormThreadsPerRow(d);
  const common = { params: [R, d, eps], constants: [tpr] };
  if (residual) {
    backend.run({ kernel: layernormResidualKernel, inputs: [x.storage(op), residual.storage(op), g, b], outputs: [...outs, input.storage(op)], ...common });
  } else {
    backend.run({ kernel: layernormKernel, inputs: [x.storage(op), g, b], outputs: outs, ...common });
  }
  return { y, mean, rstd, input };
}

/** What ops.layerNormBackward returns: the gradients of the input, gamma and beta. */
export interface LayerNormGrads {
  /** Gradient of the normalised input (so also of x and of the residual). */
  dx: Tensor;
  /** [d] */
  dgamma: Tensor;
  /** [d] */
  dbeta: Tensor;
}

/**
 * Backward of layerNorm, from its saved `input`, `mean` and `rstd`:
 *   xhat = (input - mean) * rstd, g = dy * gamma,
 *   dx = rstd * (g - mean_row(g) - xhat * mean_row(g * xhat)),
 *   dgamma = sum over rows of dy * xhat, dbeta = sum over rows of dy.
 * The row sums are partial sums per block of rows (written by the same kernel), then a
 * final pass over the blocks: deterministic.
 */
export function layerNormBackward(dy: Tensor, input: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor): LayerNormGrads {
  const op = 'layerNormBackward';
  const args = { dy, input, gamma, mean, rstd };
  for (const [name, t] of Object.entries(args)) expectTensor(op, name, t);
  const backend = commonBackend(op, args);
  if (input.rank < 1) throw new OpArgumentError(op, `input needs rank >= 1 (${describeArgs(args)})`);
  const d = input.shape[input.rank - 1];
  const R = rowsOf(input.shape);
  if (d < 1 || d > LAYERNORM_MAX_D) throw new OpArgumentError(op, `the last dim must be in [1, ${LAYERNORM_MAX_D}] (${describeArgs(args)})`);
  if (!shapesEqual(dy.shape, input.shape)) throw new OpArgumentError(op, `dy must have input's shape (${describeArgs(args)})`);
  if (!shapesEqual(gamma.shape, [d])) throw new OpArgumentError(op, `gamma must have shape [${d}] (${describeArgs(args)})`);
  if (mean.size !== R || rstd.size !== R) throw new OpArgumentError(op, `mean and rstd need ${R} elements, one per row (${describeArgs(args)})`);

  const dx = emptyTensor(backend, input.shape, 'f32');
  const dgamma = emptyTensor(backend, [d], 'f32');
  const dbeta = emptyTensor(backend, [d], 'f32');
  if (R === 0) {
    fill(dgamma, 0);
    fill(dbeta, 0);
    return { dx, dgamma, dbeta };
  }
  const tpr = layernormThreadsPerRow(d);
  const slots = 64 / tpr;
  const rowsPerBlock = slots * Math.ceil(Math.ceil(R / slots) / MAX_BACKWARD_BLOCKS);
  const blocks = Math.ceil(R / rowsPerBlock);
  const pg = backend.alloc(blocks * d * 4);
  const pb = backend.alloc(blocks * d * 4);
  try {
    backend.run({
      kernel: layernormBackwardKernel,
      inputs: [dy.storage(op), input.storage(op), gamma.storage(op), mean.storage(op), rstd.storage(op)],
      outputs: [dx.storage(op), pg, pb],
      params: [R, d, rowsPerBlock],
      constants: [tpr],
    });
    sumRowsInto(backend, pg, dgamma.storage(op), blocks, d);
    sumRowsInto(backend, pb, dbeta.storage(op), blocks, d);
  } finally {
    backend.free(pg);
    backend.free(pb);
  }
  return { dx, dgamma, dbeta };
}
