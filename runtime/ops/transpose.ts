import transposeWgsl from '../../wgsl/transpose.wgsl';
import { OpArgumentError, describeArgs } from '../errors.js';
import { defineKernel } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { emptyTensor, expectTensor } from './util.js';

export const transposeKernel = defineKernel({
  name: 'transpose',
  wgsl: transposeWgsl,
  inputs: 1,
  outputs: 1,
  params: ['u32', 'u32', 'u32'],
  workgroups: ([batch, R, C]) => [Math.ceil(C / 16), Math.ceil(R / 16), batch],
});

/** Swaps the last two dimensions: [..., R, C] -> [..., C, R]. Works on any 32-bit dtype. */
export function transpose(x: Tensor): Tensor {
  expectTensor('transpose', 'x', x, ['f32', 'i32', 'u32']);
  if (x.rank < 2) throw new OpArgumentError('transpose', `needs rank >= 2 (${describeArgs({ x })})`);
  const R = x.shape[x.rank - 2];
  const C = x.shape[x.rank - 1];
  const batch = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const out = emptyTensor(x.backend, [...x.shape.slice(0, -2), C, R], x.dtype);
  if (out.size === 0) return out;
  x.backend.run({ kernel: transposeKernel, inputs: [x.storage('transpose')], outputs: [out.storage('transpose')], params: [batch, R, C] });
  return out;
}
