import mathWgsl from '../../wgsl/lib/math.wgsl';
import geluWgsl from '../../wgsl/gelu.wgsl';
import geluBiasWgsl from '../../wgsl/gelu_bias.wgsl';
import geluBackwardWgsl from '../../wgsl/gelu_backward.wgsl';
import geluBackwardVec4Wgsl from '../../wgsl/gelu_backward_vec4.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, grid1d } from '../kernel.js';
import { elementwiseParallel, type ParallelKernelDef } from '../wasm/parallel.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';
import { sumRows } from './sum_rows.js';
import { vec4Variant } from './variants.js';

/**
 * GELU forms: 'tanh' = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (BERT's),
 * 'erf' = 0.5 x (1 + erf(x / sqrt(2))) (exact; erf to 1.5e-7). Every kernel computing GELU
 * (these and the matmul epilogue) takes it from wgsl/lib/math.wgsl (kernels/math.ts on WASM).
 */
export type GeluApprox = 'tanh' | 'erf';
/** Override-constant value of each form (APPROX in the WGSL, `approx` in the AS kernels). */
export const GELU_APPROX = { tanh: 0, erf: 1 } as const;

export const geluKernel = defineKernel({
  name: 'gelu',
  wgsl: mathWgsl + geluWgsl,
  inputs: 1,
  outputs: 1,
  params: ['u32'],
  constants: ['APPROX'],
  workgroups: ([n]) => grid1d(n, 256),
});

export const geluBiasKernel = defineKernel({
  name: 'gelu_bias',
  wgsl: mathWgsl + geluBiasWgsl,
  inputs: 2, // x, bias
  outputs: 2, // out, pre
  params: ['u32', 'u32'], // n, C
  constants: ['APPROX'],
  workgroups: ([n]) => grid1d(n, 256),
});

/** WebGPU variant: one vec4 per invocation when n is a multiple of 4. Param n / 4. */
export const geluBackwardVec4Kernel = defineKernel({
  name: 'gelu_backward_vec4',
  wgsl: mathWgsl + geluBackwardVec4Wgsl,
  inputs: 2,
  outputs: 1,
  params: ['u32'],
  constants: ['APPROX'],
  workgroups: ([n4]) => grid1d(n4, 64),
});

export const geluBackwardKernel: ParallelKernelDef = {
  ...defineKernel({
    name: 'gelu_backward',
    wgsl: mathWgsl + geluBackwardWgsl,
    inputs: 2, // dy, pre
    outputs: 1, // dpre
    params: ['u32'],
    constants: ['APPROX'],
    workgroups: ([n]) => grid1d(n, 256),
    variants: [vec4Variant(geluBackwardVec4Kernel)],
  }),
  // WASM: chunks of elements over the worker threads (exp, a division and ~30 flops each).
  wasmParallel: elementwiseParallel(40),
};

function approxConstant(op: string, approx: unknown): number {
  if (approx !== 'tanh' && approx !== 'erf') throw new OpArgumentError(op, `approx must be 'tanh' or 'erf', got ${String(approx)}`);
  return GELU_APPROX[approx];
}

/** Elementwise GELU. */
export function gelu(x: Tensor, approx: GeluApprox = 'tanh'): Tensor {
  expectTensor('gelu', 'x', x);
  const a = approxConstant('gelu', approx);
  const out = emptyTensor(x.backend, x.shape, 'f32');
  if (x.size === 0) return out;
  x.backend.run({ kernel: geluKernel, inputs: [x.storage('gelu')], outputs: [out.storage('gelu')], params: [x.size], constants: [a] });
  return out;
}

/** pre = x + bias (bias over the last dim), out = gelu(pre). `pre` is what geluBackward needs. */
export function biasGelu(x: Tensor, bias: Tensor, approx: GeluApprox = 'tanh'): { out: Tensor; pre: Tensor } {
  const op = 'biasGelu';
  expectTensor(op, 'x', x);
  expectTensor(op, 'bias', bias);
  const backend = commonBackend(op, { x, bias });
  const a = approxConstant(op, approx);
  if (x.rank < 1 || !shapesEqual(bias.shape, [x.shape[x.rank - 1]])) {
    throw new OpArgumentError(op, `bias must have shape [C] for x [..., C] (${describeArgs({ x, bias })})`);
  }
  const out = emptyTensor(backend, x.shape, 'f32');
  const pre = emptyTensor(backend, x.shape, 'f32');
  if (x.size === 0) return { out, pre };
  backend.run({
    kernel: geluBiasKernel,
    inputs: [x.storage(op), bias.storage(op)],
    outputs: [out.storage(op), pre.storage(op)],
    params: [x.size, bias.size],
    constants: [a],
  });
  return { out, pre };
}

/** dpre = dy * gelu'(pre), elementwise, for the same `approx` as the forward. */
export function geluBackward(dy: Tensor, pre: Tensor, approx: GeluApprox = 'tanh'): Tensor {
  const op = 'geluBackward';
  expectTensor(op, 'dy', dy);
  expectTensor(op, 'pre', pre);
  const backend = commonBackend(op, { dy, pre });
  const a = approxConstant(op, approx);
  if (!shapesEqual(dy.shape, pre.shape)) throw new OpArgumentError(op, `dy and pre must have the same shape (${describeArgs({ dy, pre })})`);
  const dpre = emptyTensor(backend, pre.shape, 'f32');
  if (pre.size === 0) return dpre;
  backend.run({
    kernel: geluBackwardKernel,
    inputs: [dy.storage(op), pre.storage(op)],
    outputs: [dpre.storage(op)],
    params: [pre.size],
    constants: [a],
  });
  return dpre;
}

/** Backward of biasGelu: dx = dy * gelu'(pre), dbias = sumRows(dx) ([C]). */
export function biasGeluBackward(dy: Tensor, pre: Tensor, approx: GeluApprox = 'tanh'): { dx: Tensor; dbias: Tensor } {
  const dx = geluBackward(dy, pre, approx);
  return { dx, dbias: sumRows(dx) };
}
