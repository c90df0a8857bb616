// Differentiable reductions.
import { record, needsGrad } from '../../autograd/tape.js';
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
export function sum(x: Tensor, axis: number, keepDims = false): Tensor {
  const out = rawSum(x, axis, keepDims);
  if (needsGrad(x)) {
    const ax = normalizeAxis(axis, x.rank, 'sum');
    const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
    const len = x.shape[ax];
    const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    const xShape = x.shape;
    record('sum', [x], [out], [], ([g]) => [expandMiddle(g!, outer, len, inner).view(xShape)]);
  }
  return out;
}

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
