import binaryWgsl from '../../wgsl/binary.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, grid1d } from '../kernel.js';
import { elementwiseParallel, type ParallelKernelDef } from '../wasm/parallel.js';
import type { Tensor } from '../tensor.js';
import { bindKernel } from './bind.js';
import { ELEMENT_F32, ELEMENT_VEC4, vec4Variant } from './variants.js';

/**
 * WebGPU variant: one vec4 per invocation when n and nb are multiples of 4 (params n / 4,
 * nb / 4); the same source as binaryKernel over vec4 elements.
 */
export const binaryVec4Kernel = defineKernel({
  name: 'binary_vec4',
  wgsl: ELEMENT_VEC4 + binaryWgsl,
  inputs: 2,
  outputs: 1,
  params: ['u32', 'u32'],
  constants: ['OP'],
  workgroups: ([n4]) => grid1d(n4, 64),
});

export const binaryKernel: ParallelKernelDef = {
  ...defineKernel({
    name: 'binary',
    wgsl: ELEMENT_F32 + binaryWgsl,
    inputs: 2,
    outputs: 1,
    params: ['u32', 'u32'], // n, nb
    constants: ['OP'],
    workgroups: ([n]) => grid1d(n, 256),
    variants: [vec4Variant(binaryVec4Kernel, [0, 1])],
  }),
  // WASM: chunks of elements over the worker threads. Memory-bound (two loads and a store per
  // element); counted as 4 flops so that calls of 512K elements and more are split.
  wasmParallel: elementwiseParallel(4),
};

export const BinaryOp = { add: 0, sub: 1, mul: 2, div: 3 } as const;
/** The elementwise binary ops binary() runs: 'add', 'sub', 'mul', 'div'. */
export type BinaryOpName = keyof typeof BinaryOp;

/**
 * Whether b broadcasts against a by repetition: b's shape equals a trailing part of
 * a's shape (leading 1s in b allowed), or b has one element.
 */
export function broadcastsTrailing(a: readonly number[], b: readonly number[]): boolean {
  let bSize = 1;
  for (const d of b) bSize *= d;
  if (bSize === 1) return true;
  const bTrim = [...b];
  while (bTrim.length > 0 && bTrim[0] === 1) bTrim.shift();
  if (bTrim.length > a.length) return false;
  const off = a.length - bTrim.length;
  return bTrim.every((d, i) => d === a[off + i]);
}

/** The raw binary op of each name: a binding of binaryKernel with its OP constant. */
const runBinary = Object.fromEntries(
  (Object.keys(BinaryOp) as BinaryOpName[]).map((op) => [
    op,
    bindKernel<undefined>({
      op,
      kernel: binaryKernel,
      inputs: [{ name: 'a' }, { name: 'b' }],
      outputs: ([a, b]) => {
        if (!broadcastsTrailing(a.shape, b.shape) || (b.size === 0 && a.size !== 0)) {
          throw new OpArgumentError(op, `shapes do not match: b must have a's shape or a trailing part of it (${describeArgs({ a, b })})`);
        }
        return [a.shape];
      },
      params: ([a, b]) => [a.size, b.size],
      constants: () => [BinaryOp[op]],
    }),
  ]),
) as Record<BinaryOpName, (inputs: readonly Tensor[], attrs: undefined) => Tensor[]>;

/** out = a OP b, with b the same shape as a or repeating over a's leading dims. */
export function binary(op: BinaryOpName, a: Tensor, b: Tensor): Tensor {
  if (!Object.hasOwn(BinaryOp, op)) throw new OpArgumentError('binary', `unknown op '${String(op)}' (expected ${Object.keys(BinaryOp).join(', ')})`);
  return runBinary[op]([a, b], undefined)[0];
}

/** out = a + b (f32); b has a's shape, a trailing part of it, or one element (see binary()). */
export const add = (a: Tensor, b: Tensor) => binary('add', a, b);
/** out = a - b (f32); b has a's shape, a trailing part of it, or one element (see binary()). */
export const sub = (a: Tensor, b: Tensor) => binary('sub', a, b);
/** out = a * b (f32); b has a's shape, a trailing part of it, or one element (see binary()). */
export const mul = (a: Tensor, b: Tensor) => binary('mul', a, b);
/** out = a / b (f32); b has a's shape, a trailing part of it, or one element (see binary()). */
export const div = (a: Tensor, b: Tensor) => binary('div', a, b);
