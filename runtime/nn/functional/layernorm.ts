// Differentiable layer norm over the last dim, optionally of x + residual (fused).
import { applyOp, defineOp } from '../../autograd/op.js';
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
 * Saves input, gamma, mean and rstd; the residual gets dx.
 */
export const layerNormOp = defineOp<{ eps?: number }>({
  name: 'layerNorm',
  inputs: [{ name: 'x' }, { name: 'gamma' }, { name: 'beta' }, { name: 'residual', optional: true }],
  forward: ([x, gamma, beta, residual], { eps }) => {
    const { y, mean, rstd, input } = rawLayerNorm(x!, gamma!, beta!, { eps, residual: residual ?? undefined });
    // input is x itself without a residual (not the op's to free), else the fused sum.
    return { out: y, extras: input === x ? [mean, rstd] : [mean, rstd, input] };
  },
  save: ([x, gamma], _y, [mean, rstd, input]) => [input ?? x, gamma, mean, rstd],
  backward: (g, [input, gamma, mean, rstd], needs) => {
    const { dx, dgamma, dbeta } = layerNormBackward(g, input!, gamma!, mean!, rstd!);
    return [needs[0] ? dx : null, needs[1] ? dgamma : null, needs[2] ? dbeta : null, needs[3] ? dx : null];
  },
});

/**
 * y = (input - mean) * rstd * gamma + beta over the last dim, input = x (+ residual).
 * Saves input, gamma, mean and rstd for the backward; the residual gets the same gradient as x.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, { eps, residual }: LayerNormArgs = {}): Tensor {
  return applyOp(layerNormOp, [x, gamma, beta, residual], { eps });
}
