// Differentiable elementwise ops. b may repeat over a's leading dims (the trailing
// broadcast of runtime/ops/binary.ts); its gradient is then summed over those rows.
import { record, needsGrad } from '../../autograd/tape.js';
import * as raw from '../../ops/binary.js';
import { scale as rawScale } from '../../ops/scale.js';
import type { Tensor } from '../../tensor.js';
import { reduceTo } from './reduce_to.js';

/** a + b. d/da = g, d/db = sum over repeated rows of g. */
export function add(a: Tensor, b: Tensor): Tensor {
  const out = raw.add(a, b);
  if (needsGrad(a, b)) {
    const bShape = b.shape;
    record('add', [a, b], [out], [], ([g], _s, needs) => [needs[0] ? g : null, needs[1] ? reduceTo(g!, bShape) : null]);
  }
  return out;
}

/** a - b. d/da = g, d/db = -sum over repeated rows of g. */
export function sub(a: Tensor, b: Tensor): Tensor {
  const out = raw.sub(a, b);
  if (needsGrad(a, b)) {
    const bShape = b.shape;
    record('sub', [a, b], [out], [], ([g], _s, needs) => [needs[0] ? g : null, needs[1] ? rawScale(reduceTo(g!, bShape), -1) : null]);
  }
  return out;
}

/** a * b. d/da = g * b, d/db = sum over repeated rows of g * a. */
export function mul(a: Tensor, b: Tensor): Tensor {
  const out = raw.mul(a, b);
  if (needsGrad(a, b)) {
    const bShape = b.shape;
    // da reads b, db reads a: save only what a wanted gradient reads.
    const ga = a.requiresGrad;
    const gb = b.requiresGrad;
    const save = [...(ga ? [b] : []), ...(gb ? [a] : [])];
    record('mul', [a, b], [out], save, ([g], saved, needs) => {
      const sb = ga && needs[0] ? saved[0] : null;
      const sa = gb && needs[1] ? saved[ga ? 1 : 0] : null;
      return [sb ? raw.mul(g!, sb) : null, sa ? reduceTo(raw.mul(g!, sa), bShape) : null];
    });
  }
  return out;
}

/** x * alpha + beta. d/dx = alpha * g. */
export function scale(x: Tensor, alpha: number, beta = 0): Tensor {
  const out = rawScale(x, alpha, beta);
  if (needsGrad(x)) record('scale', [x], [out], [], ([g]) => [rawScale(g!, alpha)]);
  return out;
}
