import sumWgsl from '../../wgsl/sum.wgsl';
import { defineKernel, grid1d } from '../kernel.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { emptyTensor, expectTensor } from './util.js';
import { fill } from './fill.js';

export const sumKernel = defineKernel({
  name: 'sum',
  wgsl: sumWgsl,
  inputs: 1,
  outputs: 1,
  params: ['u32', 'u32', 'u32'],
  workgroups: ([outer, , inner]) => grid1d(outer * inner, 256),
});

/** Sums x over one axis (negative axes count from the end). */
export function sum(x: Tensor, axis: number, keepDims = false): Tensor {
  expectTensor('sum', 'x', x);
  const ax = normalizeAxis(axis, x.rank, 'sum');
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const len = x.shape[ax];
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const outShape = keepDims ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_, i) => i !== ax);
  const out = emptyTensor(x.backend, outShape, 'f32');
  if (out.size === 0) return out;
  if (len === 0) return fill(out, 0);
  x.backend.run({ kernel: sumKernel, inputs: [x.storage('sum')], outputs: [out.storage('sum')], params: [outer, len, inner] });
  return out;
}
