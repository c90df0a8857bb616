// Global L2 norm of many gradients and the clipping factor, computed on the device.
import gradNormPartialWgsl from '../../wgsl/grad_norm_partial.wgsl';
import gradNormFinalWgsl from '../../wgsl/grad_norm_final.wgsl';
import gradNormScaleWgsl from '../../wgsl/grad_norm_scale.wgsl';
import { OpArgumentError } from '../errors.js';
import { defineKernel, grid1d } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { fill } from './fill.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';

/** Elements per partial sum (BLOCK in the grad_norm shaders and twins). */
export const GRAD_NORM_BLOCK = 4096;
/** Added to the norm in clipScale's denominator. */
export const CLIP_EPS = 1e-6;

export const gradNormPartialKernel = defineKernel({
  name: 'grad_norm_partial',
  wgsl: gradNormPartialWgsl,
  inputs: 1, // x [n]
  outputs: 1, // partials (written at [offset, offset + ceil(n / 4096)))
  params: ['u32', 'u32'], // n, offset
  workgroups: ([n]) => grid1d(n, GRAD_NORM_BLOCK),
});

export const gradNormFinalKernel = defineKernel({
  name: 'grad_norm_final',
  wgsl: gradNormFinalWgsl,
  inputs: 1, // partials
  outputs: 1, // [1]
  params: ['u32'], // count
  workgroups: () => [1],
});

export const gradNormScaleKernel = defineKernel({
  name: 'grad_norm_scale',
  wgsl: gradNormScaleWgsl,
  inputs: 1, // normSq [1]
  outputs: 1, // [1]
  params: ['f32', 'f32'], // maxNorm, eps
  constants: ['MODE'], // 0 clip factor, 1 norm
  workgroups: () => [1],
});

/**
 * Sum of squares of all elements of all `grads` -> [1], on the device and deterministic:
 * per tensor, partial sums over blocks of 4096 elements (a fixed tree per block) into one
 * buffer, then one workgroup reduces the partials in a fixed order. f32 accumulation.
 * An empty list (or only empty tensors) gives 0.
 */
export function gradNormSquared(grads: readonly Tensor[]): Tensor {
  const op = 'gradNormSquared';
  if (!Array.isArray(grads) || grads.length === 0) throw new OpArgumentError(op, 'needs a non-empty array of tensors');
  const named: Record<string, Tensor> = {};
  grads.forEach((g, i) => (named[`grads[${i}]`] = expectTensor(op, `grads[${i}]`, g)));
  const backend = commonBackend(op, named);
  const out = emptyTensor(backend, [1], 'f32');
  const blocks = grads.map((g) => Math.ceil(g.size / GRAD_NORM_BLOCK));
  const total = blocks.reduce((a, b) => a + b, 0);
  if (total === 0) return fill(out, 0);
  const partials = backend.alloc(total * 4);
  try {
    let offset = 0;
    grads.forEach((g, i) => {
      if (g.size === 0) return;
      backend.run({ kernel: gradNormPartialKernel, inputs: [g.storage(op)], outputs: [partials], params: [g.size, offset] });
      offset += blocks[i];
    });
    backend.run({ kernel: gradNormFinalKernel, inputs: [partials], outputs: [out.storage(op)], params: [total] });
  } finally {
    backend.free(partials);
  }
  return out;
}

/**
 * The clipping factor min(1, maxNorm / (sqrt(normSq) + 1e-6)) as a device scalar [1], to pass
 * to adamW as gradScale (no readback). A NaN norm gives a NaN factor on WASM (and an
 * unspecified value on WebGPU): non-finite gradients are not repaired.
 */
export function clipScale(normSq: Tensor, maxNorm: number): Tensor {
  const op = 'clipScale';
  expectTensor(op, 'normSq', normSq);
  if (normSq.size !== 1) throw new OpArgumentError(op, `normSq must have one element, got shape [${normSq.shape.join(',')}]`);
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new OpArgumentError(op, `maxNorm must be a finite number > 0, got ${maxNorm}`);
  const out = emptyTensor(normSq.backend, [1], 'f32');
  normSq.backend.run({ kernel: gradNormScaleKernel, inputs: [normSq.storage(op)], outputs: [out.storage(op)], params: [maxNorm, CLIP_EPS], constants: [0] });
  return out;
}

/** sqrt(normSq) as a device scalar [1] (the global norm, for logging without a second pass). */
export function gradNorm(normSq: Tensor): Tensor {
  const op = 'gradNorm';
  expectTensor(op, 'normSq', normSq);
  if (normSq.size !== 1) throw new OpArgumentError(op, `normSq must have one element, got shape [${normSq.shape.join(',')}]`);
  const out = emptyTensor(normSq.backend, [1], 'f32');
  normSq.backend.run({ kernel: gradNormScaleKernel, inputs: [normSq.storage(op)], outputs: [out.storage(op)], params: [0, 0], constants: [1] });
  return out;
}

/** Reads the global norm sqrt(normSq) back to the host (one readback; for logging). */
export async function readGradNorm(normSq: Tensor): Promise<number> {
  expectTensor('readGradNorm', 'normSq', normSq);
  return Math.sqrt(await normSq.item());
}
