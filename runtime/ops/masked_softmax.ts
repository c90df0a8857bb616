import rngWgsl from '../../wgsl/lib/rng.wgsl';
import maskedSoftmaxWgsl from '../../wgsl/masked_softmax.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { dropoutThreshold } from './dropout.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';

export const maskedSoftmaxKernel = defineKernel({
  name: 'masked_softmax',
  wgsl: rngWgsl + maskedSoftmaxWgsl,
  inputs: 2,
  outputs: 1,
  // rows, L, heads, scale, dropout, threshold, seed, invKeep, causal
  params: ['u32', 'u32', 'u32', 'f32', 'u32', 'u32', 'u32', 'f32', 'u32'],
  // One workgroup per row, folded into 2D above 65535 rows.
  workgroups: ([rows]) => (rows <= 65535 ? [rows, 1] : [65535, Math.ceil(rows / 65535)]),
});

/**
 * In-kernel dropout of attention probabilities (ops.attention, ops.maskedSoftmax): kept values
 * are scaled by 1 / (1 - p). Absent or p = 0: no dropout. The same p and seed reproduce the mask.
 */
export interface DropoutOptions {
  /** Drop probability, in [0, 1). */
  p: number;
  /** RNG seed (u32). */
  seed: number;
}

/** Validates dropout options; returns the kernel params [on, threshold, seed, 1/(1-p)]. */
export function dropoutParams(op: string, dropout: DropoutOptions | undefined): [number, number, number, number] {
  if (!dropout || dropout.p === 0) return [0, 0, 0, 1];
  const { p, seed } = dropout;
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new OpArgumentError(op, `dropout.p must be in [0, 1), got ${p}`);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 4294967296) throw new OpArgumentError(op, `dropout.seed must be an integer in [0, 2^32), got ${seed}`);
  return [1, dropoutThreshold(p), seed, 1 / (1 - p)];
}

/** Options of ops.maskedSoftmax: the head count (x: [B*heads, L, L]), score scale, dropout, causal mask. */
export interface MaskedSoftmaxOptions {
  heads: number;
  /** Multiplies the scores before the softmax (default 1). */
  scale?: number;
  dropout?: DropoutOptions;
  /** Also mask the keys after each query (j > i): causal attention. */
  causal?: boolean;
}

/**
 * Softmax over the last axis of attention scores x [B*heads, L, L] (or [B, heads, L, L]) with
 * a key mask [B, L] u32: masked keys get probability 0; rows with no valid key are all 0.
 * y = softmax(scale * x) (then dropout with the index ((b*heads + head)*L + i)*L + j, the
 * same bits as the fused attention). Forward only: the unfused reference path of attention.
 */
export function maskedSoftmax(x: Tensor, keyMask: Tensor, options: MaskedSoftmaxOptions): Tensor {
  const op = 'maskedSoftmax';
  expectTensor(op, 'x', x);
  expectTensor(op, 'keyMask', keyMask, ['u32']);
  const backend = commonBackend(op, { x, keyMask });
  const { heads, scale = 1 } = options;
  const args = () => describeArgs({ x, keyMask });
  if (keyMask.rank !== 2) throw new OpArgumentError(op, `keyMask must be [B, L] (${args()})`);
  const [B, L] = keyMask.shape;
  if (!Number.isInteger(heads) || heads < 1) throw new OpArgumentError(op, `heads must be a positive integer, got ${heads} (${args()})`);
  if (x.rank < 2 || x.shape[x.rank - 1] !== L || x.shape[x.rank - 2] !== L || x.size !== B * heads * L * L) {
    throw new OpArgumentError(op, `x must be [B*heads, L, L] = [${B * heads},${L},${L}] for heads=${heads} (${args()})`);
  }
  if (!Number.isFinite(scale)) throw new OpArgumentError(op, `scale must be finite, got ${scale}`);
  const out = emptyTensor(backend, x.shape, 'f32');
  if (x.size === 0) return out;
  backend.run({
    kernel: maskedSoftmaxKernel,
    inputs: [x.storage(op), keyMask.storage(op)],
    outputs: [out.storage(op)],
    params: [B * heads * L, L, heads, scale, ...dropoutParams(op, options.dropout), options.causal ? 1 : 0],
  });
  return out;
}
