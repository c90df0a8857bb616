// Differentiable inverted dropout. The mask is regenerated from (seed, index) in the
// backward, so nothing is saved.
import { applyOp, defineOp } from '../../autograd/op.js';
import { dropout as rawDropout, dropoutBackward } from '../../ops/dropout.js';
import type { Tensor } from '../../tensor.js';
import { reshape } from './reshape.js';

/** Inverted dropout with probability p and a counter-based mask from `seed`; the backward applies the same mask. */
export const dropoutOp = defineOp<{ p: number; seed: number }>({
  name: 'dropout',
  inputs: [{ name: 'x' }],
  forward: ([x], { p, seed }) => ({ out: rawDropout(x!, p, seed) }),
  backward: (g, _saved, _needs, { p, seed }) => [dropoutBackward(g, p, seed)],
});

/**
 * Drops elements with probability p and scales the rest by 1 / (1 - p). With p = 0 the
 * result is a view of x (no kernel; still a new tensor to dispose).
 */
export function dropout(x: Tensor, p: number, seed: number): Tensor {
  if (p === 0) return reshape(x, x.shape);
  return applyOp(dropoutOp, [x], { p, seed });
}
