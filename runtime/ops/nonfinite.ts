// Counts NaN/Inf values of many tensors on the device (one small readback for all of them).
import nonfiniteWgsl from '../../wgsl/nonfinite.wgsl';
import { OpArgumentError } from '../errors.js';
import { defineKernel, grid1d } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { fill } from './fill.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';

/** Elements per workgroup (4096 in wgsl/nonfinite.wgsl). */
const BLOCK = 4096;

export const nonfiniteKernel = defineKernel({
  name: 'nonfinite',
  wgsl: nonfiniteWgsl,
  inputs: 1, // x [n] (f32 read as bits)
  outputs: 1, // counts [T] u32, counts[slot] += non-finite count of x
  params: ['u32', 'u32'], // n, slot
  workgroups: ([n]) => grid1d(n, BLOCK),
});

/**
 * counts [T] u32 on the device: counts[i] = number of NaN/±Inf elements of tensors[i].
 * Integer tensors (i32/u32) are always finite and count 0; empty tensors count 0.
 */
export function countNonFinite(tensors: readonly Tensor[]): Tensor<'u32'> {
  const op = 'countNonFinite';
  if (!Array.isArray(tensors) || tensors.length === 0) throw new OpArgumentError(op, 'needs a non-empty array of tensors');
  const named: Record<string, Tensor> = {};
  tensors.forEach((t, i) => (named[`tensors[${i}]`] = expectTensor(op, `tensors[${i}]`, t, ['f32', 'i32', 'u32'])));
  const backend = commonBackend(op, named);
  const counts = emptyTensor(backend, [tensors.length], 'u32');
  fill(counts, 0);
  tensors.forEach((t, slot) => {
    if (t.dtype !== 'f32' || t.size === 0) return;
    backend.run({ kernel: nonfiniteKernel, inputs: [t.storage(op)], outputs: [counts.storage(op)], params: [t.size, slot] });
  });
  return counts;
}
