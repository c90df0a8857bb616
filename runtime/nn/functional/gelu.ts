// Differentiable GELU, plain and fused with a bias add.
import { applyOp, defineOp } from '../../autograd/op.js';
import { biasGelu as rawBiasGelu, biasGeluBackward, gelu as rawGelu, geluBackward, type GeluApprox } from '../../ops/gelu.js';
import type { Tensor } from '../../tensor.js';

/** gelu(x); saves x (the pre-activation) for dx = dy * gelu'(x). */
export const geluOp = defineOp<GeluApprox>({
  name: 'gelu',
  inputs: [{ name: 'x' }],
  forward: ([x], approx) => ({ out: rawGelu(x!, approx) }),
  save: ([x]) => [x],
  backward: (g, [pre], _needs, approx) => [geluBackward(g, pre!, approx)],
});

/** gelu(x + bias), bias [C] over the last dim; saves pre = x + bias. dbias = column sums of dpre. */
export const biasGeluOp = defineOp<GeluApprox>({
  name: 'biasGelu',
  inputs: [{ name: 'x' }, { name: 'bias' }],
  forward: ([x, bias], approx) => {
    const { out, pre } = rawBiasGelu(x!, bias!, approx);
    return { out, extras: [pre] };
  },
  save: (_inputs, _out, [pre]) => [pre],
  backward: (g, [pre], needs, approx) => {
    if (!needs[1]) return [geluBackward(g, pre!, approx), null];
    const { dx, dbias } = biasGeluBackward(g, pre!, approx);
    return [needs[0] ? dx : null, dbias];
  },
});

/** gelu(x), 'tanh' (BERT's) or 'erf' form; saves x for dx = dy * gelu'(x). */
export const gelu = (x: Tensor, approx: GeluApprox = 'tanh'): Tensor => applyOp(geluOp, [x], approx);
/** gelu(x + bias), bias [C] over the last dim; saves pre = x + bias. dbias = column sums of dpre. */
export const biasGelu = (x: Tensor, bias: Tensor, approx: GeluApprox = 'tanh'): Tensor => applyOp(biasGeluOp, [x, bias], approx);
