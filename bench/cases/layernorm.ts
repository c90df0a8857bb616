// Layer norm (fused residual add) forward and backward, and sumRows, at BERT4Rec's shape:
// rows R = B * L = 64 * 200 = 12800, hidden d = 64.
import { layerNorm, layerNormBackward, scope, sumRows, type Runtime, type Tensor } from '../../runtime/internal.js';
import type { BenchCase } from '../types.js';

function input(rt: Runtime, shape: number[], seed = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.7311 + 0.1 + seed);
  return rt.tensor(data, shape);
}

const R = 12800;
const d = 64;

// Forward: reads x, residual (2Rd), gamma, beta (2d); writes y, input (2Rd), mean, rstd (2R).
// ~10 flops per element (add, sum, centre, square, sum, normalise, affine).
const forward: BenchCase = {
  name: `layerNorm+residual forward [${R},${d}]`,
  group: 'layernorm',
  flops: 10 * R * d,
  bytes: 4 * (4 * R * d + 2 * d + 2 * R),
  async setup(rt) {
    const [x, res, gamma, beta] = [input(rt, [R, d], 1), input(rt, [R, d], 2), input(rt, [d], 3), input(rt, [d], 4)];
    return {
      run: () => scope(() => void layerNorm(x, gamma, beta, { residual: res })),
      dispose: () => [x, res, gamma, beta].forEach((t) => t.dispose()),
    };
  },
};

// Backward: reads dy, input (2Rd), gamma (d), mean, rstd (2R); writes dx (Rd), dgamma, dbeta (2d).
// (The block partials of dgamma/dbeta, 2 * 400 * d floats, are not counted.) ~14 flops per element.
const backward: BenchCase = {
  name: `layerNorm backward [${R},${d}]`,
  group: 'layernorm',
  flops: 14 * R * d,
  bytes: 4 * (3 * R * d + 3 * d + 2 * R),
  async setup(rt) {
    const [x, res, gamma, beta, dy] = [input(rt, [R, d], 1), input(rt, [R, d], 2), input(rt, [d], 3), input(rt, [d], 4), input(rt, [R, d], 5)];
    const f = layerNorm(x, gamma, beta, { residual: res });
    const saved = [x, res, gamma, beta, dy, f.y, f.mean, f.rstd, f.input];
    return {
      run: () => scope(() => void layerNormBackward(dy, f.input, gamma, f.mean, f.rstd)),
      dispose: () => saved.forEach((t) => t.dispose()),
    };
  },
};

// sumRows (bias/column gradient): reads R*C, writes C.
const sumRowsCase = (rows: number, cols: number): BenchCase => ({
  name: `sumRows [${rows},${cols}]`,
  group: 'sumRows',
  flops: rows * cols,
  bytes: 4 * (rows * cols + cols),
  async setup(rt) {
    const x = input(rt, [rows, cols]);
    return { run: () => scope(() => void sumRows(x)), dispose: () => x.dispose() };
  },
});

export const benchCases: BenchCase[] = [forward, backward, sumRowsCase(R, d), sumRowsCase(R, 256)];
