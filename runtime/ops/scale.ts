import scaleWgsl from '../../wgsl/scale.wgsl';
import { defineKernel, grid1d } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { emptyTensor, expectTensor } from './util.js';

export const scaleKernel = defineKernel({
  name: 'scale',
  wgsl: scaleWgsl,
  inputs: 1,
  outputs: 1,
  params: ['u32', 'f32', 'f32'],
  workgroups: ([n]) => grid1d(n, 256),
});

/** out = x * alpha + beta */
export function scale(x: Tensor, alpha: number, beta = 0): Tensor {
  expectTensor('scale', 'x', x);
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new RangeError(`scale: alpha and beta must be finite, got ${alpha}, ${beta}`);
  const out = emptyTensor(x.backend, x.shape, 'f32');
  if (x.size === 0) return out;
  x.backend.run({ kernel: scaleKernel, inputs: [x.storage('scale')], outputs: [out.storage('scale')], params: [x.size, alpha, beta] });
  return out;
}
