// Differentiable elementwise ops. b may repeat over a's leading dims (the trailing
// broadcast of runtime/ops/binary.ts); its gradient is then summed over those rows.
import { applyOp, defineOp } from '../../autograd/op.js';
import * as raw from '../../ops/binary.js';
import { scale as rawScale } from '../../ops/scale.js';
import type { Tensor } from '../../tensor.js';
import { reduceTo } from './reduce_to.js';

const AB = [{ name: 'a' }, { name: 'b' }];

/** a + b. d/da = g, d/db = sum over repeated rows of g. */
export const addOp = defineOp({
  name: 'add',
  inputs: AB,
  forward: ([a, b]) => ({ out: raw.add(a!, b!) }),
  backward: (g, _saved, needs, _attrs, [, bShape]) => [needs[0] ? g : null, needs[1] ? reduceTo(g, bShape) : null],
});

/** a - b. d/da = g, d/db = -sum over repeated rows of g. */
export const subOp = defineOp({
  name: 'sub',
  inputs: AB,
  forward: ([a, b]) => ({ out: raw.sub(a!, b!) }),
  backward: (g, _saved, needs, _attrs, [, bShape]) => [needs[0] ? g : null, needs[1] ? rawScale(reduceTo(g, bShape), -1) : null],
});

/** a * b. d/da = g * b, d/db = sum over repeated rows of g * a; saves only what a wanted gradient reads. */
export const mulOp = defineOp({
  name: 'mul',
  inputs: AB,
  forward: ([a, b]) => ({ out: raw.mul(a!, b!) }),
  save: ([a, b]) => [a!.requiresGrad ? b : null, b!.requiresGrad ? a : null],
  backward: (g, [b, a], needs, _attrs, [, bShape]) => [needs[0] && b ? raw.mul(g, b) : null, needs[1] && a ? reduceTo(raw.mul(g, a), bShape) : null],
});

/** x * alpha + beta. d/dx = alpha * g. */
export const scaleOp = defineOp<{ alpha: number; beta: number }>({
  name: 'scale',
  inputs: [{ name: 'x' }],
  forward: ([x], { alpha, beta }) => ({ out: rawScale(x!, alpha, beta) }),
  backward: (g, _saved, _needs, { alpha }) => [rawScale(g, alpha)],
});

/** a + b; b has a's shape, a trailing part of it, or one element. d/da = g, d/db = sum over repeated rows of g. */
export const add = (a: Tensor, b: Tensor): Tensor => applyOp(addOp, [a, b], undefined);
/** a - b; b has a's shape, a trailing part of it, or one element. d/da = g, d/db = -sum over repeated rows of g. */
export const sub = (a: Tensor, b: Tensor): Tensor => applyOp(subOp, [a, b], undefined);
/** a * b; b has a's shape, a trailing part of it, or one element. d/da = g * b, d/db = sum over repeated rows of g * a. */
export const mul = (a: Tensor, b: Tensor): Tensor => applyOp(mulOp, [a, b], undefined);
/** x * alpha + beta. d/dx = alpha * g. */
export const scale = (x: Tensor, alpha: number, beta = 0): Tensor => applyOp(scaleOp, [x], { alpha, beta });
