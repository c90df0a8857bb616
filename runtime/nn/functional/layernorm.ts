// Differentiable layer norm over the last dim, optionally of x + residual (fused).
import { record, needsGrad } from '../../autograd/tape.js';
import { layerNorm as rawLayerNorm, layerNormBackward } from '../../ops/layernorm.js';
import type { Tensor } from '../../tensor.js';

/** Options of F.layerNorm(): epsilon and an optional residual added to x before normalising. */
export interface LayerNormArgs {
  /** Default 1e-12 (the kernel's default, as BERT). */
  eps?: number;
  /** Normalise x + residual instead of x (the residual gets the same gradient as x). */
  residual?: Tensor;
}

/**
 * y = (input - mean) * rstd * gamma + beta over the last dim, input = x (+ residual).
 * Saves input, gamma, mean and rstd for the backward.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, { eps, residual }: LayerNormArgs = {}): Tensor {
  const { y, mean, rstd, input } = rawLayerNorm(x, gamma, beta, { eps, residual });
  if (needsGrad(x, gamma, beta, residual)) {
    record('layerNorm', [x, gamma, beta, residual ?? null], [y], [input, gamma, mean, rstd], ([g], [inp, gm, mn, rs], needs) => {
      const { dx, dgamma, dbeta } = layerNormBackward(g!, inp, gm, mn, rs);
      return [needs[0] ? dx : null, needs[1] ? dgamma : null, needs[2] ? dbeta : null, needs[3] ? dx : null];
    });
  }
  mean.dispose();
  rstd.dispose();
  if (input !== x) input.dispose();
  return y;
}
