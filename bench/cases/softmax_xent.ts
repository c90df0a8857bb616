// Fused softmax cross-entropy over BERT4Rec's masked rows: R = 2560 (64 sequences x 200
// positions x 20% masked), V = 3420 (3418 items + PAD + MASK), 10% of rows ignored.
import { scope, softmaxCrossEntropy, type Runtime } from '../../runtime/internal.js';
import type { BenchCase } from '../types.js';

const R = 2560;
const V = 3420;

function inputs(rt: Runtime) {
  const logits = new Float32Array(R * V);
  for (let i = 0; i < logits.length; i++) logits[i] = 4 * Math.sin(i * 0.7311 + 0.1);
  const targets = Int32Array.from({ length: R }, (_, r) => (r % 10 === 9 ? -1 : (r * 37) % V));
  return [rt.tensor(logits, [R, V]), rt.tensor(targets, [R])];
}

// With the gradient: reads logits twice (online max/sum pass, gradient pass) but counted once
// as necessary traffic: logits in + dlogits out (2RV) + targets and row losses (2R).
// ~7 flops per element: compare, subtract, exp (counted 1), add; subtract, exp, multiply.
const withGrad: BenchCase = {
  name: `softmaxCrossEntropy fwd+bwd [${R},${V}]`,
  group: 'softmax-xent',
  flops: 7 * R * V,
  bytes: 4 * (2 * R * V + 2 * R),
  async setup(rt) {
    const [logits, targets] = inputs(rt);
    return {
      run: () => scope(() => void softmaxCrossEntropy(logits, targets)),
      dispose: () => [logits, targets].forEach((t) => t.dispose()),
    };
  },
};

// Loss only (evaluation): reads logits (RV) and targets, writes row losses.
const lossOnly: BenchCase = {
  name: `softmaxCrossEntropy loss only [${R},${V}]`,
  group: 'softmax-xent',
  flops: 4 * R * V,
  bytes: 4 * (R * V + 2 * R),
  async setup(rt) {
    const [logits, targets] = inputs(rt);
    return {
      run: () => scope(() => void softmaxCrossEntropy(logits, targets, { computeGrad: false })),
      dispose: () => [logits, targets].forEach((t) => t.dispose()),
    };
  },
};

export const benchCases: BenchCase[] = [withGrad, lossOnly];
