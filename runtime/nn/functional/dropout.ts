// Differentiable inverted dropout. The mask is regenerated from (seed, index) in the
// backward, so nothing is saved.
import { record, needsGrad } from '../../autograd/tape.js';
import { dropout as rawDropout, dropoutBackward } from '../../ops/dropout.js';
import type { Tensor } from '../../tensor.js';
import { reshape } from './reshape.js';

/**
 * Drops elements with probability p and scales the rest by 1 / (1 - p). With p = 0 the
 * result is a view of x (no kernel; still a new tensor to dispose).
 */
export function dropout(x: Tensor, p: number, seed: number): Tensor {
  if (p === 0) return reshape(x, x.shape);
  const out = rawDropout(x, p, seed);
  if (needsGrad(x)) record('dropout', [x], [out], [], ([g]) => [dropoutBackward(g!, p, seed)]);
  return out;
}
