import fillWgsl from '../../wgsl/fill.wgsl';
import { defineKernel, grid1d } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { expectTensor } from './util.js';

export const fillKernel = defineKernel({
  name: 'fill',
  wgsl: fillWgsl,
  inputs: 0,
  outputs: 1,
  params: ['u32', 'u32'],
  workgroups: ([n]) => grid1d(n, 256),
});

const scratch = new DataView(new ArrayBuffer(4));

/** The 32-bit pattern of `value` in `dtype`. */
export function bitsOf(value: number, dtype: 'f32' | 'i32' | 'u32'): number {
  if (dtype === 'f32') scratch.setFloat32(0, value, true);
  else if (dtype === 'i32') scratch.setInt32(0, value, true);
  else scratch.setUint32(0, value, true);
  return scratch.getUint32(0, true);
}

/** Fills `t` in place with `value`. */
export function fill(t: Tensor, value: number): Tensor {
  expectTensor('fill', 't', t, ['f32', 'i32', 'u32']);
  if (t.size === 0) return t;
  t.backend.run({ kernel: fillKernel, inputs: [], outputs: [t.storage('fill')], params: [t.size, bitsOf(value, t.dtype)] });
  return t;
}
