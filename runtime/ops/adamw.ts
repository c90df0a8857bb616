// Fused AdamW update (one kernel per parameter tensor, in place).
import adamwWgsl from '../../wgsl/adamw.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, grid1d } from '../kernel.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { commonBackend, expectTensor } from './util.js';

export const adamwKernel = defineKernel({
  name: 'adamw',
  wgsl: adamwWgsl,
  inputs: 2, // grad, gradScale [1] (bound to grad when absent; HAS_SCALE = 0)
  outputs: 3, // param, m, v (updated in place)
  // n, beta1, 1 - beta1, beta2, 1 - beta2, eps, 1 - lr * wd, lr / (1 - beta1^t), sqrt(1 - beta2^t)
  params: ['u32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32'],
  constants: ['HAS_SCALE'],
  workgroups: ([n]) => grid1d(n, 256),
});

/**
 * Default epsilon: 1e-8 (PyTorch / Loshchilov & Hutter). The original BERT4Rec (TF, BERT's
 * AdamWeightDecayOptimizer) used 1e-6 and no bias correction; pass eps: 1e-6 to match its
 * epsilon. Bias correction is always applied here.
 */
export const ADAMW_DEFAULT_EPS = 1e-8;

/** Hyperparameters of one ops.adamW step; `lr` (learning rate) and `step` are required. */
export interface AdamWStepOptions {
  lr: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8 (ADAMW_DEFAULT_EPS). */
  eps?: number;
  /** Decoupled weight decay (param -= lr * weightDecay * param). Default 0; callers pass 0 for biases and LayerNorm. */
  weightDecay?: number;
  /** 1-based step number, for the bias corrections 1 - beta^step. */
  step: number;
  /** Optional device scalar [1] multiplying the gradient (e.g. clipScale's output), read in the kernel. */
  gradScale?: Tensor;
}

/**
 * One AdamW step, in place on param, m and v (same shape as grad), fused in one kernel:
 *   g = grad * gradScale;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *   param = param (1 - lr wd) - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * Returns param. The step-dependent factors are computed in float64 on the host.
 */
export function adamW(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, options: AdamWStepOptions): Tensor {
  const op = 'adamW';
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = ADAMW_DEFAULT_EPS, weightDecay = 0, step, gradScale } = options;
  const args: Record<string, Tensor> = { param, grad, m, v };
  if (gradScale !== undefined) args.gradScale = gradScale;
  for (const [name, t] of Object.entries(args)) expectTensor(op, name, t);
  const backend = commonBackend(op, args);
  for (const t of [grad, m, v]) {
    if (!shapesEqual(t.shape, param.shape)) throw new OpArgumentError(op, `param, grad, m and v must have one shape (${describeArgs(args)})`);
  }
  if (param.sharesStorageWith(m) || param.sharesStorageWith(v) || m.sharesStorageWith(v) || [param, m, v].some((t) => t.sharesStorageWith(grad))) {
    throw new OpArgumentError(op, `param, grad, m and v must be distinct tensors (${describeArgs(args)})`);
  }
  if (gradScale && gradScale.size !== 1) throw new OpArgumentError(op, `gradScale must have one element (${describeArgs(args)})`);
  if (!Number.isFinite(lr) || lr < 0) throw new OpArgumentError(op, `lr must be a finite number >= 0, got ${lr}`);
  if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) throw new OpArgumentError(op, `betas must be in [0, 1), got ${beta1}, ${beta2}`);
  if (!(eps > 0) || !Number.isFinite(eps)) throw new OpArgumentError(op, `eps must be a finite number > 0, got ${eps}`);
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) throw new OpArgumentError(op, `weightDecay must be a finite number >= 0, got ${weightDecay}`);
  if (!Number.isInteger(step) || step < 1) throw new OpArgumentError(op, `step must be an integer >= 1, got ${step}`);
  if (param.size === 0) return param;
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  const g = grad.storage(op);
  backend.run({
    kernel: adamwKernel,
    inputs: [g, gradScale ? gradScale.storage(op) : g],
    outputs: [param.storage(op), m.storage(op), v.storage(op)],
    params: [param.size, beta1, 1 - beta1, beta2, 1 - beta2, eps, 1 - lr * weightDecay, lr / bc1, Math.sqrt(bc2)],
    constants: [gradScale ? 1 : 0],
  });
  return param;
}
