// biasGelu and geluBackward at BERT4Rec's FFN shape (R = 64 * 200 rows, C = 4 * 64 = 256), both
// GELU forms, and dropout at the same size.
import { biasGelu, dropout, geluBackward, scope, type GeluApprox, type Runtime, type Tensor } from '../../runtime/internal.js';
import type { BenchCase } from '../types.js';

function input(rt: Runtime, shape: number[], seed = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = 3 * Math.sin(i * 0.7311 + 0.1 + seed);
  return rt.tensor(data, shape);
}

const R = 12800;
const C = 256;
const n = R * C;
// Flop counts are nominal (~20 per element for GELU incl. exp; transcendental cost varies).

// Forward: reads x (n) and bias (C); writes out and pre (2n).
const forward = (approx: GeluApprox): BenchCase => ({
  name: `biasGelu ${approx} [${R},${C}]`,
  group: 'gelu',
  flops: 20 * n,
  bytes: 4 * (3 * n + C),
  async setup(rt) {
    const [x, bias] = [input(rt, [R, C], 1), input(rt, [C], 2)];
    return { run: () => scope(() => void biasGelu(x, bias, approx)), dispose: () => [x, bias].forEach((t) => t.dispose()) };
  },
});

// Backward: reads dy, pre (2n); writes dpre (n).
const backward = (approx: GeluApprox): BenchCase => ({
  name: `geluBackward ${approx} [${R},${C}]`,
  group: 'gelu',
  flops: 25 * n,
  bytes: 4 * 3 * n,
  async setup(rt) {
    const [dy, pre] = [input(rt, [R, C], 3), input(rt, [R, C], 4)];
    return { run: () => scope(() => void geluBackward(dy, pre, approx)), dispose: () => [dy, pre].forEach((t) => t.dispose()) };
  },
});

// Dropout: reads x, writes y (the mask is recomputed from the counter RNG, never stored).
const dropoutCase: BenchCase = {
  name: `dropout p=0.1 [${R},${C}]`,
  group: 'dropout',
  flops: n,
  bytes: 4 * 2 * n,
  async setup(rt) {
    const x = input(rt, [R, C], 5);
    let seed = 1;
    return { run: () => scope(() => void dropout(x, 0.1, seed++)), dispose: () => x.dispose() };
  },
};

export const benchCases: BenchCase[] = [forward('tanh'), forward('erf'), backward('tanh'), backward('erf'), dropoutCase];
