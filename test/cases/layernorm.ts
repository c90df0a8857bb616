// Layer norm (forward with and without residual, backward) and sumRows on the runtime's
// backend against the float64 reference (test/reference/layernorm.ts), with finite-difference
// gradient checks. Runs under vitest (test/layernorm.test.ts), Deno and Chromium.
import { layerNorm, layerNormBackward, sumRows, scopeAsync, type Runtime, type Tensor } from '../../runtime/internal.js';
import { randomArray } from '../reference/random.js';
import { refLayerNorm, refLayerNormBackward, refSumRows } from '../reference/layernorm.js';
import { numericalGradient, pick, sampleIndices } from '../reference/gradcheck.js';
import { assert, assertClose, assertEqual, assertThrows, type Tolerance } from './assert.js';
import type { PortableCase } from './types.js';

const EPS = 1e-12;
const f32 = (x: Float64Array) => Float32Array.from(x);
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

// Tolerances (inputs are f32-exact; outputs are O(1)):
// forward: y, mean, input within a few f32 roundings; rstd relative.
const Y_TOL: Tolerance = { atol: 2e-6, rtol: 2e-6 };
const MEAN_TOL: Tolerance = { atol: 1e-6, rtol: 1e-6 };
const RSTD_TOL: Tolerance = { atol: 0, rtol: 4e-6 };
// backward: dx is O(rstd) with one f32 row reduction; dgamma/dbeta are sums over R rows.
const DX_TOL: Tolerance = { atol: 1e-5, rtol: 1e-5 };
const colSumTol = (R: number): Tolerance => ({ atol: 4e-7 * Math.sqrt(Math.max(R, 1)) + 1e-6, rtol: 1e-5 });
// finite differences (float64, h = 1e-5) against the f32 backward
const GRADCHECK_TOL: Tolerance = { atol: 5e-5, rtol: 5e-4 };

interface Inputs {
  shape: number[];
  R: number;
  d: number;
  x: Float64Array;
  res?: Float64Array;
  gamma: Float64Array;
  beta: Float64Array;
  dy: Float64Array;
}

function makeInputs(shape: number[], seed: number, residual: boolean, offset = 0): Inputs {
  const d = shape[shape.length - 1];
  const R = sizeOf(shape.slice(0, -1));
  const x = randomArray(R * d, seed).map((v) => Math.fround(v + offset));
  return {
    shape,
    R,
    d,
    x,
    res: residual ? randomArray(R * d, seed + 1, -0.5, 0.5) : undefined,
    gamma: randomArray(d, seed + 2, 0.5, 1.5),
    beta: randomArray(d, seed + 3, -0.5, 0.5),
    dy: randomArray(R * d, seed + 4),
  };
}

interface Outputs {
  y: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
  input: Float32Array;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
  shapes: { y: string; mean: string; input: string; dgamma: string };
}

/** Runs forward then backward (from the forward's saved tensors) on rt. */
export async function runLayerNorm(rt: Runtime, inp: Inputs): Promise<Outputs> {
  return scopeAsync(async () => {
    const x = rt.tensor(f32(inp.x), inp.shape);
    const gamma = rt.tensor(f32(inp.gamma), [inp.d]);
    const beta = rt.tensor(f32(inp.beta), [inp.d]);
    const residual = inp.res ? rt.tensor(f32(inp.res), inp.shape) : undefined;
    const fwd = layerNorm(x, gamma, beta, { eps: EPS, residual });
    const dy = rt.tensor(f32(inp.dy), inp.shape);
    const g = layerNormBackward(dy, fwd.input, gamma, fwd.mean, fwd.rstd);
    const s = (t: Tensor) => t.shape.join(',');
    return {
      y: (await fwd.y.data()) as Float32Array,
      mean: (await fwd.mean.data()) as Float32Array,
      rstd: (await fwd.rstd.data()) as Float32Array,
      input: (await fwd.input.data()) as Float32Array,
      dx: (await g.dx.data()) as Float32Array,
      dgamma: (await g.dgamma.data()) as Float32Array,
      dbeta: (await g.dbeta.data()) as Float32Array,
      shapes: { y: s(fwd.y), mean: s(fwd.mean), input: s(fwd.input), dgamma: s(g.dgamma) },
    };
  });
}

/** Compares a run against the float64 reference (forward, and the analytic backward). */
function checkAgainstReference(inp: Inputs, out: Outputs, dxTol = DX_TOL): void {
  const ref = refLayerNorm(inp.x, inp.gamma, inp.beta, inp.R, inp.d, EPS, inp.res);
  assertEqual(out.shapes.y, inp.shape.join(','), 'y shape');
  assertEqual(out.shapes.mean, inp.shape.slice(0, -1).join(','), 'mean shape');
  assertEqual(out.shapes.input, inp.shape.join(','), 'input shape');
  assertEqual(out.shapes.dgamma, String(inp.d), 'dgamma shape');
  assertClose(out.input, ref.input.map(Math.fround), { atol: 0, rtol: 0 }, 'input (x + residual, one f32 add)');
  assertClose(out.y, ref.y, Y_TOL, 'y');
  assertClose(out.mean, ref.mean, MEAN_TOL, 'mean');
  assertClose(out.rstd, ref.rstd, RSTD_TOL, 'rstd');
  // The backward is checked against the float64 backward at the f32 input the kernel saw.
  const input64 = Float64Array.from(out.input);
  const gref = refLayerNormBackward(inp.dy, input64, inp.gamma, inp.R, inp.d, EPS);
  assertClose(out.dx, gref.dx, dxTol, 'dx');
  assertClose(out.dgamma, gref.dgamma, colSumTol(inp.R), 'dgamma');
  assertClose(out.dbeta, gref.dbeta, colSumTol(inp.R), 'dbeta');
}

const cases: PortableCase[] = [];

// d not a multiple of 4 or of the threads per row; R = 1; rank 1 and 3; the largest d; the
// row-per-invocation WebGPU variant's range (d % 4 == 0, d <= 128, R off the 64 and 25-row blocks).
const shapes: number[][] = [
  [1, 1],
  [1, 64],
  [3, 7],
  [17, 64],
  [5, 100],
  [130, 37],
  [2, 5, 64],
  [64],
  [3, 513],
  [2, 1000],
  [3, 1024],
  [700, 64],
  [1500, 33],
  [65, 128],
  [3, 4],
];
shapes.forEach((shape, si) => {
  for (const residual of [false, true]) {
    cases.push({
      name: `layerNorm ${JSON.stringify(shape)}${residual ? ' +residual' : ''} forward/backward vs float64`,
      async run(rt) {
        const inp = makeInputs(shape, 100 + si * 10, residual);
        checkAgainstReference(inp, await runLayerNorm(rt, inp));
      },
    });
  }
});

cases.push({
  name: 'layerNorm empty R = 0',
  async run(rt) {
    const inp = makeInputs([0, 64], 1, true);
    const out = await runLayerNorm(rt, inp);
    assertEqual(out.y.length, 0, 'y size');
    assertEqual(out.mean.length, 0, 'mean size');
    assertClose(out.dgamma, new Float64Array(64), { atol: 0, rtol: 0 }, 'dgamma of no rows');
    assertClose(out.dbeta, new Float64Array(64), { atol: 0, rtol: 0 }, 'dbeta of no rows');
  },
});

cases.push({
  name: 'layerNorm large magnitudes (x ~ 1e4 + U(-1,1)) keep full precision',
  async run(rt) {
    for (const shape of [[9, 64], [4, 1000], [5, 7]]) {
      const inp = makeInputs(shape, 7, false, 1e4);
      const out = await runLayerNorm(rt, inp);
      // Same tolerances as for O(1) inputs: x - mean is exact near the mean (see wgsl/layernorm.wgsl).
      checkAgainstReference(inp, out);
    }
  },
});

cases.push({
  name: 'layerNorm constant rows (variance 0) stay finite',
  async run(rt) {
    const R = 3;
    const d = 37;
    const inp = makeInputs([R, d], 9, false);
    inp.x = new Float64Array(R * d);
    for (let r = 0; r < R; r++) for (let c = 0; c < d; c++) inp.x[r * d + c] = [0, Math.fround(0.1), -1234.5][r];
    const out = await runLayerNorm(rt, inp);
    for (const [k, v] of Object.entries({ y: out.y, rstd: out.rstd, dx: out.dx, dgamma: out.dgamma, dbeta: out.dbeta })) {
      assert(v.every(Number.isFinite), `${k} has non-finite values`);
    }
    // y = beta exactly up to rounding; rstd = 1 / sqrt(eps) = 1e6.
    const beta = new Float64Array(R * d).map((_, i) => inp.beta[i % d]);
    assertClose(out.y, beta, { atol: 1e-5, rtol: 0 }, 'y of a constant row');
    assertClose(out.rstd, [1e6, 1e6, 1e6], { atol: 0, rtol: 1e-6 }, 'rstd of a constant row');
    // dx = rstd * (g - mean(g)): ~1e6 in size, with f32 cancellation in g - mean(g).
    const gref = refLayerNormBackward(inp.dy, inp.x, inp.gamma, R, d, EPS);
    assertClose(out.dx, gref.dx, { atol: 1, rtol: 1e-5 }, 'dx of a constant row');
    assertClose(out.dbeta, gref.dbeta, colSumTol(R), 'dbeta');
  },
});

// Finite-difference checks of every gradient (x, residual, gamma, beta).
for (const [shape, residual] of [
  [[3, 7], true],
  [[2, 16], false],
  [[1, 5], true],
  [[4, 65], true],
] as Array<[number[], boolean]>) {
  cases.push({
    name: `layerNorm ${JSON.stringify(shape)}${residual ? ' +residual' : ''} gradients vs finite differences`,
    async run(rt) {
      const inp = makeInputs(shape, 31, residual);
      const out = await runLayerNorm(rt, inp);
      const { R, d } = inp;
      const f = (v: Float64Array[]) => refLayerNorm(v[0], v[2], v[3], R, d, EPS, residual ? v[1] : undefined).y;
      const vars = [Float64Array.from(inp.x), Float64Array.from(inp.res ?? new Float64Array(R * d)), Float64Array.from(inp.gamma), Float64Array.from(inp.beta)];
      const idx = sampleIndices(R * d, 80);
      assertClose(pick(out.dx, idx), pick(numericalGradient(f, vars, 0, inp.dy, 1e-5, idx), idx), GRADCHECK_TOL, 'dx vs finite differences');
      if (residual) {
        assertClose(pick(out.dx, idx), pick(numericalGradient(f, vars, 1, inp.dy, 1e-5, idx), idx), GRADCHECK_TOL, 'dresidual vs finite differences');
      }
      assertClose(out.dgamma, numericalGradient(f, vars, 2, inp.dy), GRADCHECK_TOL, 'dgamma vs finite differences');
      assertClose(out.dbeta, numericalGradient(f, vars, 3, inp.dy), GRADCHECK_TOL, 'dbeta vs finite differences');
    },
  });
}

cases.push({
  name: 'layerNorm bad calls name the op and the shapes',
  async run(rt) {
    await scopeAsync(async () => {
      const x = rt.zeros([4, 8]);
      const g8 = rt.zeros([8]);
      assertThrows(() => layerNorm(x, rt.zeros([7]), g8), ['layerNorm', 'gamma', '[7]', '[4,8]'], 'gamma shape');
      assertThrows(() => layerNorm(x, g8, g8, { residual: rt.zeros([4, 7]) }), ['layerNorm', 'residual', '[4,7]'], 'residual shape');
      assertThrows(() => layerNorm(rt.zeros([2, 1025]), rt.zeros([1025]), rt.zeros([1025])), ['layerNorm', '1024', '[2,1025]'], 'd too large');
      assertThrows(() => layerNorm(x, g8, g8, { eps: -1 }), ['layerNorm', 'eps'], 'negative eps');
      assertThrows(() => layerNormBackward(x, x, g8, rt.zeros([3]), rt.zeros([4])), ['layerNormBackward', 'mean', '[3]'], 'mean size');
      assertThrows(() => layerNormBackward(rt.zeros([4, 7]), x, g8, rt.zeros([4]), rt.zeros([4])), ['layerNormBackward', 'dy', '[4,7]'], 'dy shape');
    });
  },
});

// sumRows: one pass up to 1024 rows, two passes beyond (blocks of 64 rows, <= 256 blocks).
const sumRowsShapes: number[][] = [[1, 1], [5, 3], [1024, 7], [1025, 64], [12800, 64], [3000, 130], [2, 3, 5], [0, 4], [4, 0], [7]];
sumRowsShapes.forEach((shape, si) => {
  cases.push({
    name: `sumRows ${JSON.stringify(shape)} vs float64`,
    async run(rt) {
      const C = shape[shape.length - 1];
      const R = sizeOf(shape.slice(0, -1));
      const x = randomArray(R * C, 500 + si);
      const got = await scopeAsync(async () => {
        const out = sumRows(rt.tensor(f32(x), shape));
        assertEqual(out.shape.join(','), String(C), 'sumRows shape');
        return (await out.data()) as Float32Array;
      });
      assertClose(got, refSumRows(x, R, C), colSumTol(R), 'sumRows');
    },
  });
});

export const layerNormCases = cases;
