// Differentiable reductions.
import { applyOp, defineOp } from '../../autograd/op.js';
import { fill } from '../../ops/fill.js';
import { matmul as rawMatmul } from '../../ops/matmul.js';
import { sum as rawSum } from '../../ops/sum.js';
import { emptyTensor } from '../../ops/util.js';
import { normalizeAxis } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { scale } from './elementwise.js';
import { reshape } from './reshape.js';

/**
 * Broadcasts g ([outer, inner] elements) along a new middle axis of length len:
 * out[o, k, i] = g[o, i]. Done as ones[len, 1] @ g[outer, 1, inner] (K = 1), so no
 * dedicated broadcast kernel is needed.
 */
function expandMiddle(g: Tensor, outer: number, len: number, inner: number): Tensor {
  const ones = fill(emptyTensor(g.backend, [len, 1], 'f32'), 1);
  return rawMatmul(ones, g.view([outer, 1, inner]));
}

/** Sum over one axis. d/dx[o, k, i] = g[o, i]. */
export const sumOp = defineOp<{ axis: number; keepDims: boolean }>({
  name: 'sum',
  inputs: [{ name: 'x' }],
  forward: ([x], { axis, keepDims }) => ({ out: rawSum(x!, axis, keepDims) }),
  backward: (g, _saved, _needs, { axis }, [xShape]) => {
    const ax = normalizeAxis(axis, xShape.length, 'sum');
    const outer = xShape.slice(0, ax).reduce((a, b) => a * b, 1);
    const inner = xShape.slice(ax + 1).reduce((a, b) => a * b, 1);
    return [expandMiddle(g, outer, xShape[ax], inner).view(xShape)];
  },
});

/** Sum over one axis (negative axes count from the end). d/dx[o, k, i] = g[o, i]. */
export const sum = (x: Tensor, axis: number, keepDims = false): Tensor => applyOp(sumOp, [x], { axis, keepDims });

/** Mean over one axis (an empty axis gives 0). */
export function mean(x: Tensor, axis: number, keepDims = false): Tensor {
  const len = x.shape[normalizeAxis(axis, x.rank, 'mean')];
  const s = sum(x, axis, keepDims);
  const out = scale(s, 1 / Math.max(len, 1));
  s.dispose();
  return out;
}

/** Sum of all elements, shape [1]. */
export function sumAll(x: Tensor): Tensor {
  const flat = reshape(x, [x.size]);
  const out = sum(flat, 0, true);
  flat.dispose();
  return out;
}
