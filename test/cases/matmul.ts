// The tiled matmul (matmul, matmulBiasActivation, matmulBackward) on the runtime's backend
// against the float64 reference (test/reference/matmul.ts), with finite-difference checks
// of the backward. Runs under vitest (test/matmul.test.ts), Deno and Chromium.
import { matmul, matmulBiasActivation, matmulBackward, scopeAsync, type Activation, type Runtime } from '../../runtime/internal.js';
import { randomArray } from '../reference/random.js';
import { refMatmul } from '../reference/ops.js';
import { refActivate, refMatmulBackward, refMatmulEpilogue, type RefMatmulShape } from '../reference/matmul.js';
import { numericalGradient } from '../reference/gradcheck.js';
import { assertClose, assertEqual, assertThrows, type Tolerance } from './assert.js';
import type { PortableCase } from './types.js';

const f32 = (x: Float64Array) => Float32Array.from(x);

// Tolerances. Inputs in [-1, 1] are exact in f32; a length-K f32 dot product is off by at
// most ~K ulp of the partial sums (|sum| <= K), so atol grows with K. The activations add
// at most a few 1e-7 (erf approximation 1.5e-7, exp a few ulp), times gelu' <= 1.13.
export const matmulTol = (K: number): Tolerance => ({ atol: 2e-6 * Math.max(1, K) + 1e-6, rtol: 1e-5 });
// Finite differences (float64, h = 1e-5, so ~1e-10 error) against the f32 backward.
const GRADCHECK_TOL: Tolerance = { atol: 1e-4, rtol: 1e-4 };

export type MatmulCaseShape = RefMatmulShape;

const shape = (batchA: number, batchB: number, M: number, N: number, K: number, transA = false, transB = false): MatmulCaseShape => ({
  batchA,
  batchB,
  M,
  N,
  K,
  transA,
  transB,
});

/** Stored shapes of a and b (a batch of 1 is dropped: the operand is shared). */
export function operandShapes(s: MatmulCaseShape): { aShape: number[]; bShape: number[]; outShape: number[] } {
  const a2 = s.transA ? [s.K, s.M] : [s.M, s.K];
  const b2 = s.transB ? [s.N, s.K] : [s.K, s.N];
  const batch = Math.max(s.batchA, s.batchB);
  return {
    aShape: s.batchA > 1 ? [s.batchA, ...a2] : a2,
    bShape: s.batchB > 1 ? [s.batchB, ...b2] : b2,
    outShape: batch > 1 ? [batch, s.M, s.N] : [s.M, s.N],
  };
}

const label = (s: MatmulCaseShape) => `bA=${s.batchA} bB=${s.batchB} M=${s.M} N=${s.N} K=${s.K} tA=${+s.transA} tB=${+s.transB}`;

// [batchA, batchB, M, N, K]: sizes off every tile (4/8/16 rows, 32/64 columns, vec4, 16-row
// thread items, 4x8 WASM micro-tiles, 256/512 cache blocks), 1 and 0, batch broadcast.
const SHAPES: Array<[number, number, number, number, number]> = [
  [1, 1, 1, 1, 1],
  [1, 1, 5, 3, 7],
  [1, 1, 8, 64, 64],
  [1, 1, 37, 70, 29],
  [3, 3, 9, 33, 12],
  [4, 1, 20, 13, 64],
  [1, 3, 6, 10, 8],
  [1, 1, 0, 5, 3],
  [1, 1, 4, 0, 3],
  [2, 2, 3, 4, 0],
  [1, 1, 130, 67, 257],
  [2, 1, 17, 260, 36],
  [1, 1, 100, 90, 132],
  [2, 2, 148, 72, 20], // 16-row tiles with vec4 loads (148 = 9 * 16 + 4)
  [1, 1, 132, 520, 300], // WASM: A read in place (M % 4 == 0) over two K blocks and two N blocks, threaded
  [1, 1, 32, 72, 600], // WASM, transposed A: B read in place too (<= 32 rows per thread, N % 8 == 0) over three K blocks
];

const cases: PortableCase[] = [];

for (const [bA, bB, M, N, K] of SHAPES) {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const s = shape(bA, bB, M, N, K, transA, transB);
      cases.push({
        name: `matmul ${label(s)}`,
        async run(rt) {
          const { aShape, bShape, outShape } = operandShapes(s);
          const A = randomArray(bA * M * K, 11 + M);
          const B = randomArray(bB * K * N, 12 + N);
          const got = await scopeAsync(async () => {
            const out = matmul(rt.tensor(f32(A), aShape), rt.tensor(f32(B), bShape), { transA, transB });
            assertEqual(out.shape.join(','), outShape.join(','), 'output shape');
            return out.data();
          });
          assertClose(got, refMatmul(A, B, bA, bB, M, N, K, transA, transB), matmulTol(K), 'matmul');
        },
      });
    }
  }
}

// Bias + each activation, through matmul (out only) and matmulBiasActivation (out and the slope act'(pre)).
const EPILOGUE_SHAPES: MatmulCaseShape[] = [
  shape(1, 1, 1, 1, 1),
  shape(1, 1, 37, 70, 29, false, true),
  shape(3, 1, 9, 64, 16, false, true),
  shape(1, 1, 19, 21, 40, true, false),
  shape(2, 2, 5, 6, 0),
];
const ACTIVATIONS: Activation[] = ['none', 'relu', 'gelu_tanh', 'gelu_erf'];
for (const s of EPILOGUE_SHAPES) {
  for (const act of ACTIVATIONS) {
    cases.push({
      name: `matmul bias + ${act} ${label(s)}`,
      async run(rt) {
        const { aShape, bShape } = operandShapes(s);
        // larger inputs so the activations see both signs and their tails
        const A = randomArray(s.batchA * s.M * s.K, 21 + s.M, -2, 2);
        const B = randomArray(s.batchB * s.K * s.N, 22 + s.N, -2, 2);
        const bias = randomArray(s.N, 23, -3, 3);
        const ref = refMatmulEpilogue(A, B, bias, act, s);
        const tol = matmulTol(4 * s.K);
        const [out1, out2, slope2] = await scopeAsync(async () => {
          const a = rt.tensor(f32(A), aShape);
          const b = rt.tensor(f32(B), bShape);
          const bt = rt.tensor(f32(bias), [s.N]);
          const o1 = matmul(a, b, { transA: s.transA, transB: s.transB, bias: bt, activation: act });
          const { out, slope } = matmulBiasActivation(a, b, bt, act, { transA: s.transA, transB: s.transB });
          return [await o1.data(), await out.data(), await slope.data()];
        });
        assertClose(out1, ref.out, tol, `matmul(bias, ${act})`);
        assertClose(out2, ref.out, tol, `matmulBiasActivation out (${act})`);
        // The slope at the f32 sum: |act''| <= 0.8 times the sum's error, plus the erf
        // approximation's; ReLU's step is compared only away from 0 (a rounding can cross it).
        const near0 = (i: number) => act === 'relu' && Math.abs(ref.pre[i]) < 1e-3;
        assertClose(Float64Array.from(slope2, (v, i) => (near0(i) ? ref.slope[i] : v)), ref.slope, { atol: tol.atol + 1e-6, rtol: tol.rtol }, `matmulBiasActivation slope (${act})`);
      },
    });
  }
}

cases.push({
  name: 'matmul activation epilogue over [-6, 6] (erf / tanh / relu) vs float64',
  async run(rt) {
    // out[m, 0] = act(x_m * 1): the activation alone, at 1001 points.
    const n = 1001;
    const x = Float64Array.from({ length: n }, (_, i) => Math.fround(-6 + (12 * i) / (n - 1)));
    for (const act of ['relu', 'gelu_tanh', 'gelu_erf'] as const) {
      const got = await scopeAsync(async () => matmul(rt.tensor(f32(x), [n, 1]), rt.tensor(new Float32Array([1]), [1, 1]), { activation: act }).data());
      // erf approximation |err| <= 1.5e-7 -> gelu error <= 0.5|x| * 1.5e-7, plus f32 rounding
      assertClose(got, x.map((v) => refActivate(v, act)), { atol: 1e-6, rtol: 2e-6 }, act);
    }
  },
});

// Backward: shared operands (batch 1) sum over the batch; both fold and reduce paths.
const BACKWARD_SHAPES: MatmulCaseShape[] = [];
for (const [bA, bB, M, N, K] of [
  [1, 1, 7, 5, 9],
  [3, 3, 4, 6, 5],
  [3, 1, 5, 7, 6], // b shared: folded (transA false) or reduced (transA true)
  [1, 3, 6, 4, 5], // a shared: reduced
  [1, 1, 33, 66, 20],
  [2, 2, 0, 3, 4],
] as Array<[number, number, number, number, number]>) {
  for (const transA of [false, true]) for (const transB of [false, true]) BACKWARD_SHAPES.push(shape(bA, bB, M, N, K, transA, transB));
}
for (const s of BACKWARD_SHAPES) {
  cases.push({
    name: `matmulBackward ${label(s)}`,
    async run(rt) {
      const { aShape, bShape, outShape } = operandShapes(s);
      const batch = Math.max(s.batchA, s.batchB);
      const A = randomArray(s.batchA * s.M * s.K, 31 + s.M);
      const B = randomArray(s.batchB * s.K * s.N, 32 + s.N);
      const dY = randomArray(batch * s.M * s.N, 33);
      const [da, db] = await scopeAsync(async () => {
        const g = matmulBackward(rt.tensor(f32(dY), outShape), rt.tensor(f32(A), aShape), rt.tensor(f32(B), bShape), { transA: s.transA, transB: s.transB });
        assertEqual(g.da.shape.join(','), aShape.join(','), 'da shape');
        assertEqual(g.db.shape.join(','), bShape.join(','), 'db shape');
        return [await g.da.data(), await g.db.data()];
      });
      const ref = refMatmulBackward(dY, A, B, s);
      // da sums over N (and the batch when a is shared), db over M (and the batch)
      assertClose(da, ref.dA, matmulTol(s.N * (s.batchA === 1 ? batch : 1)), 'da');
      assertClose(db, ref.dB, matmulTol(s.M * (s.batchB === 1 ? batch : 1)), 'db');
      if (s.M * s.N * s.K > 0 && s.M * s.N * s.K <= 400) {
        // finite differences of the float64 forward
        const f = ([a, b]: Float64Array[]) => refMatmul(a, b, s.batchA, s.batchB, s.M, s.N, s.K, s.transA, s.transB);
        assertClose(da, numericalGradient(f, [A.slice(), B.slice()], 0, dY), GRADCHECK_TOL, 'da vs finite differences');
        assertClose(db, numericalGradient(f, [A.slice(), B.slice()], 1, dY), GRADCHECK_TOL, 'db vs finite differences');
      }
    },
  });
}

cases.push({
  name: 'matmul argument errors name the op and shapes',
  async run(rt: Runtime) {
    await scopeAsync(async () => {
      const a = rt.tensor(new Float32Array(6), [2, 3]);
      const b = rt.tensor(new Float32Array(12), [3, 4]);
      assertThrows(() => matmul(a, b, { bias: rt.tensor(new Float32Array(3), [3]) }), ['matmul', 'bias', '[4]'], 'bias shape');
      assertThrows(() => matmul(a, b, { activation: 'swish' as Activation }), ['matmul', 'swish'], 'activation');
      assertThrows(() => matmul(a, a), ['matmul', 'inner dimensions'], 'inner dims');
      assertThrows(() => matmulBackward(rt.tensor(new Float32Array(6), [2, 3]), a, b), ['matmulBackward', 'dOut'], 'dOut shape');
    });
  },
});

export const matmulCases = cases;
