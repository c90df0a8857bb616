import rngWgsl from '../../wgsl/lib/rng.wgsl';
import dropoutWgsl from '../../wgsl/dropout.wgsl';
import { OpArgumentError } from '../errors.js';
import { defineKernel, grid1d } from '../kernel.js';
import { elementwiseParallel, type ParallelKernelDef } from '../wasm/parallel.js';
import type { Tensor } from '../tensor.js';
import { emptyTensor, expectTensor } from './util.js';
import { fill } from './fill.js';
import { ELEMENT_F32, ELEMENT_VEC4, vec4Variant } from './variants.js';

/** WebGPU variant: one vec4 per invocation when n is a multiple of 4 (same bits; the same source over vec4 elements). Params n / 4, seed, threshold, scale. */
export const dropoutVec4Kernel = defineKernel({
  name: 'dropout_vec4',
  wgsl: ELEMENT_VEC4 + rngWgsl + dropoutWgsl,
  inputs: 1,
  outputs: 1,
  params: ['u32', 'u32', 'u32', 'f32'],
  workgroups: ([n4]) => grid1d(n4, 64),
});

export const dropoutKernel: ParallelKernelDef = {
  ...defineKernel({
    name: 'dropout',
    wgsl: ELEMENT_F32 + rngWgsl + dropoutWgsl,
    inputs: 1,
    outputs: 1,
    params: ['u32', 'u32', 'u32', 'f32'], // n, seed, threshold, scale
    workgroups: ([n]) => grid1d(n, 256),
    variants: [vec4Variant(dropoutVec4Kernel)],
  }),
  // WASM: chunks of elements over the worker threads (the hash is ~20 integer ops per element).
  wasmParallel: elementwiseParallel(20),
};

const TWO_32 = 4294967296;

/** The keep threshold for drop probability p: element i is kept when rng_u32(seed, i) >= floor(p * 2^32). */
export function dropoutThreshold(p: number): number {
  return Math.min(TWO_32 - 1, Math.floor(p * TWO_32));
}

function run(op: string, x: Tensor, p: number, seed: number): Tensor {
  expectTensor(op, 'x', x);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new OpArgumentError(op, `p must be in [0, 1], got ${p}`);
  if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_32) throw new OpArgumentError(op, `seed must be an integer in [0, 2^32), got ${seed}`);
  if (x.size >= TWO_32) throw new OpArgumentError(op, `at most 2^32 - 1 elements (element indices are u32), got ${x.size}`);
  const out = emptyTensor(x.backend, x.shape, 'f32');
  if (x.size === 0) return out;
  if (p === 1) return fill(out, 0);
  x.backend.run({
    kernel: dropoutKernel,
    inputs: [x.storage(op)],
    outputs: [out.storage(op)],
    params: [x.size, seed, dropoutThreshold(p), 1 / (1 - p)],
  });
  return out;
}

/**
 * Inverted dropout: y[i] = x[i] / (1 - p) where rng_u32(seed, i) >= floor(p * 2^32) (i the flat
 * index), else 0. Counter-based: the same (seed, i) gives the same bit on WebGPU and WASM.
 * p = 0 keeps everything, p = 1 drops everything. Use a new seed per call site and step.
 */
export function dropout(x: Tensor, p: number, seed: number): Tensor {
  return run('dropout', x, p, seed);
}

/** Gradient of dropout(x, p, seed): the same mask and scale applied to dy (regenerated, not stored). */
export function dropoutBackward(dy: Tensor, p: number, seed: number): Tensor {
  return run('dropoutBackward', dy, p, seed);
}
