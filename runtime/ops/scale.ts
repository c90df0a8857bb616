import scaleWgsl from '../../wgsl/scale.wgsl';
import { defineKernel, grid1d } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { bindKernel } from './bind.js';

export const scaleKernel = defineKernel({
  name: 'scale',
  wgsl: scaleWgsl,
  inputs: 1,
  outputs: 1,
  params: ['u32', 'f32', 'f32'],
  workgroups: ([n]) => grid1d(n, 256),
});

const runScale = bindKernel<{ alpha: number; beta: number }>({
  op: 'scale',
  kernel: scaleKernel,
  inputs: [{ name: 'x' }],
  outputs: ([x], { alpha, beta }) => {
    if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new RangeError(`scale: alpha and beta must be finite, got ${alpha}, ${beta}`);
    return [x.shape];
  },
  params: ([x], { alpha, beta }) => [x.size, alpha, beta],
});

/** out = x * alpha + beta */
export function scale(x: Tensor, alpha: number, beta = 0): Tensor {
  return runScale([x], { alpha, beta })[0];
}
