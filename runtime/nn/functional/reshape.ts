// Differentiable reshape: a view sharing x's storage (no copy, no kernel).
import { applyOp, defineOp } from '../../autograd/op.js';
import { OpArgumentError } from '../../errors.js';
import { formatShape, sizeOf, type Shape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';

/** Resolves one -1 dimension against x's size. */
export function resolveShape(size: number, shape: Shape, op = 'reshape'): number[] {
  const out = [...shape];
  const free = out.indexOf(-1);
  if (free !== out.lastIndexOf(-1)) throw new OpArgumentError(op, `at most one -1 dimension allowed, got ${formatShape(shape)}`);
  if (free >= 0) {
    const rest = out.reduce((a, d, i) => (i === free ? a : a * d), 1);
    if (rest === 0 || size % rest !== 0) throw new OpArgumentError(op, `cannot infer -1 in ${formatShape(shape)} for ${size} elements`);
    out[free] = size / rest;
  }
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new OpArgumentError(op, `cannot reshape ${size} elements to ${formatShape(shape)}`);
  }
  return out;
}

/** x viewed with another shape (resolved, no -1); the gradient is g viewed with x's shape. */
export const reshapeOp = defineOp<{ shape: Shape }>({
  name: 'reshape',
  inputs: [{ name: 'x' }],
  forward: ([x], { shape }) => ({ out: x!.view(shape) }),
  backward: (g, _saved, _needs, _attrs, [xShape]) => [g.view(xShape)],
});

/**
 * x viewed with another shape of the same size (one dimension may be -1). The result
 * shares x's storage: dispose each on its own (the storage lives while either does).
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  return applyOp(reshapeOp, [x], { shape: resolveShape(x.size, shape) });
}
