import mathWgsl from '../../wgsl/lib/math.wgsl';
import geluWgsl from '../../wgsl/gelu.wgsl';
import geluBiasWgsl from '../../wgsl/gelu_bias.wgsl';
import geluBackwardWgsl from '../../wgsl/gelu_backward.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, grid1d } from '../kernel.js';
import { elementwiseParallel, type ParallelKernelDef } from '../wasm/parallel.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { bindKernel } from './bind.js';
import { sumRows } from './sum_rows.js';
import { ELEMENT_F32, ELEMENT_VEC4, vec4Variant } from './variants.js';

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

/** WebGPU variant: one vec4 per invocation when n is a multiple of 4 (the same source over vec4 elements). Param n / 4. */
export const geluBackwardVec4Kernel = defineKernel({
  name: 'gelu_backward_vec4',
  wgsl: ELEMENT_VEC4 + mathWgsl + geluBackwardWgsl,
  inputs: 2,
  outputs: 1,
  params: ['u32'],
  constants: ['APPROX'],
  workgroups: ([n4]) => grid1d(n4, 64),
});

export const geluBackwardKernel: ParallelKernelDef = {
  ...defineKernel({
    name: 'gelu_backward',
    wgsl: ELEMENT_F32 + mathWgsl + geluBackwardWgsl,
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

const runGelu = bindKernel<GeluApprox>({
  op: 'gelu',
  kernel: geluKernel,
  inputs: [{ name: 'x' }],
  outputs: ([x]) => [x.shape],
  params: ([x]) => [x.size],
  constants: (approx) => [approxConstant('gelu', approx)],
});

const runBiasGelu = bindKernel<GeluApprox>({
  op: 'biasGelu',
  kernel: geluBiasKernel,
  inputs: [{ name: 'x' }, { name: 'bias' }],
  outputs: ([x, bias]) => {
    if (x.rank < 1 || !shapesEqual(bias.shape, [x.shape[x.rank - 1]])) {
      throw new OpArgumentError('biasGelu', `bias must have shape [C] for x [..., C] (${describeArgs({ x, bias })})`);
    }
    return [x.shape, x.shape]; // out, pre
  },
  params: ([x, bias]) => [x.size, bias.size],
  constants: (approx) => [approxConstant('biasGelu', approx)],
});

const runGeluBackward = bindKernel<GeluApprox>({
  op: 'geluBackward',
  kernel: geluBackwardKernel,
  inputs: [{ name: 'dy' }, { name: 'pre' }],
  outputs: ([dy, pre]) => {
    if (!shapesEqual(dy.shape, pre.shape)) throw new OpArgumentError('geluBackward', `dy and pre must have the same shape (${describeArgs({ dy, pre })})`);
    return [pre.shape];
  },
  params: ([, pre]) => [pre.size],
  constants: (approx) => [approxConstant('geluBackward', approx)],
});

/** Elementwise GELU. */
export function gelu(x: Tensor, approx: GeluApprox = 'tanh'): Tensor {
  return runGelu([x], approx)[0];
}

/** pre = x + bias (bias over the last dim), out = gelu(pre). `pre` is what geluBackward needs. */
export function biasGelu(x: Tensor, bias: Tensor, approx: GeluApprox = 'tanh'): { out: Tensor; pre: Tensor } {
  const [out, pre] = runBiasGelu([x, bias], approx);
  return { out, pre };
}

/** dpre = dy * gelu'(pre), elementwise, for the same `approx` as the forward. */
export function geluBackward(dy: Tensor, pre: Tensor, approx: GeluApprox = 'tanh'): Tensor {
  return runGeluBackward([dy, pre], approx)[0];
}

/** Backward of biasGelu: dx = dy * gelu'(pre), dbias = sumRows(dx) ([C]). */
export function biasGeluBackward(dy: Tensor, pre: Tensor, approx: GeluApprox = 'tanh'): { dx: Tensor; dbias: Tensor } {
  const dx = geluBackward(dy, pre, approx);
  return { dx, dbias: sumRows(dx) };
}
