// Differentiable GELU, plain and fused with a bias add.
import { record, needsGrad } from '../../autograd/tape.js';
import { biasGelu as rawBiasGelu, biasGeluBackward, gelu as rawGelu, geluBackward, type GeluApprox } from '../../ops/gelu.js';
import type { Tensor } from '../../tensor.js';

/** gelu(x); saves x (the pre-activation) for dx = dy * gelu'(x). */
export function gelu(x: Tensor, approx: GeluApprox = 'tanh'): Tensor {
  const out = rawGelu(x, approx);
  if (needsGrad(x)) record('gelu', [x], [out], [x], ([g], [pre]) => [geluBackward(g!, pre, approx)]);
  return out;
}

/** gelu(x + bias), bias [C] over the last dim; saves pre = x + bias. dbias = column sums of dpre. */
export function biasGelu(x: Tensor, bias: Tensor, approx: GeluApprox = 'tanh'): Tensor {
  const { out, pre } = rawBiasGelu(x, bias, approx);
  if (needsGrad(x, bias)) {
    record('biasGelu', [x, bias], [out], [pre], ([g], [p], needs) => {
      if (!needs[1]) return [geluBackward(g!, p, approx), null];
      const { dx, dbias } = biasGeluBackward(g!, p, approx);
      return [needs[0] ? dx : null, dbias];
    });
  }
  pre.dispose();
  return out;
}
