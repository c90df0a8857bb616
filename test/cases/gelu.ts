// GELU (both forms), biasGelu and geluBackward on the runtime's backend against the float64
// reference (test/reference/gelu.ts), with finite-difference gradient checks.
import { gelu, biasGelu, geluBackward, biasGeluBackward, scopeAsync, type GeluApprox } from '../../runtime/internal.js';
import { randomArray } from '../reference/random.js';
import { erf64, refBiasGelu, refGelu, refGeluBackward } from '../reference/gelu.js';
import { refSumRows } from '../reference/layernorm.js';
import { numericalGradient } from '../reference/gradcheck.js';
import { assert, assertClose, assertEqual, assertThrows, type Tolerance } from './assert.js';
import type { PortableCase } from './types.js';

const f32 = (x: Float64Array) => Float32Array.from(x);
const APPROX: GeluApprox[] = ['tanh', 'erf'];

// gelu(x), |x| <= 10: f32 rounding plus the approximations in the kernels (erf: 1.5e-7
// absolute, i.e. |x| * 0.75e-7 in gelu; exp: a few ulp). Measured max 5e-7 absolute.
const GELU_TOL: Tolerance = { atol: 6e-7, rtol: 1e-6 };
// gelu'(x) is O(1) with the same error sources (measured max 2.4e-7); dpre = dy * gelu'.
const GRAD_TOL: Tolerance = { atol: 5e-7, rtol: 1e-6 };
// finite differences (float64, h = 1e-5) against the f32 backward
const GRADCHECK_TOL: Tolerance = { atol: 1e-5, rtol: 1e-4 };

const cases: PortableCase[] = [];

cases.push({
  name: 'erf64 reference matches tabulated values',
  async run() {
    // erf(0.5), erf(1), erf(2), erf(3), erf(-4) to 16 digits (Abramowitz & Stegun table 7.1 / mpmath).
    const xs = [0.5, 1, 2, 3, -4];
    const want = [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, -0.9999999845827421];
    assertClose(xs.map(erf64), want, { atol: 1e-15, rtol: 0 }, 'erf64');
  },
});

for (const approx of APPROX) {
  for (const n of [0, 1, 3, 257, 4099]) {
    cases.push({
      name: `gelu ${approx} n=${n} vs float64`,
      async run(rt) {
        const x = randomArray(n, 40 + n, -8, 8);
        const got = await scopeAsync(async () => (await gelu(rt.tensor(f32(x), [n]), approx).data()) as Float32Array);
        assertClose(got, refGelu(x, approx), GELU_TOL, `gelu ${approx}`);
      },
    });
  }

  cases.push({
    name: `gelu ${approx} dense grid and extreme inputs stay accurate and finite`,
    async run(rt) {
      // A dense grid over [-10, 10] (where erf/tanh matter) plus huge magnitudes.
      const grid = Array.from({ length: 4001 }, (_, i) => Math.fround(-10 + i * 0.005));
      const x = Float64Array.from([...grid, 1e4, -1e4, 3e38, -3e38, 1e20, -1e20, 0, -0]);
      const dy = new Float64Array(x.length).fill(1);
      const [y, g] = await scopeAsync(async () => {
        const xt = rt.tensor(f32(x), [x.length]);
        return [(await gelu(xt, approx).data()) as Float32Array, (await geluBackward(rt.tensor(f32(dy), [x.length]), xt, approx).data()) as Float32Array];
      });
      assert(y.every(Number.isFinite) && g.every(Number.isFinite), `gelu ${approx}: non-finite output for a finite input`);
      assertClose(y, refGelu(x, approx), GELU_TOL, `gelu ${approx} on the grid`);
      assertClose(g, refGeluBackward(dy, x, approx), GRAD_TOL, `gelu' ${approx} on the grid`);
    },
  });

  // 120000: a multiple of 4 (WebGPU's vec4 kernel); 120001: the scalar one
  for (const n of [120_001, 120_000]) cases.push({
    name: `geluBackward ${approx} n=${n} (split over threads on WASM) vs float64`,
    async run(rt) {
      const x = randomArray(n, 90, -6, 6);
      const dy = randomArray(n, 91);
      const g = await scopeAsync(async () => (await geluBackward(rt.tensor(f32(dy), [n]), rt.tensor(f32(x), [n]), approx).data()) as Float32Array);
      assertClose(g, refGeluBackward(dy, x, approx), GRAD_TOL, `gelu' ${approx} large`);
    },
  });

  for (const [R, C] of [[1, 1], [3, 7], [33, 256], [5, 130], [0, 16]]) {
    cases.push({
      name: `biasGelu ${approx} [${R},${C}] forward/backward vs float64`,
      async run(rt) {
        const x = randomArray(R * C, 60 + C, -4, 4);
        const bias = randomArray(C, 61 + C, -1, 1);
        const dy = randomArray(R * C, 62 + C);
        const ref = refBiasGelu(x, bias, approx);
        const got = await scopeAsync(async () => {
          const { out, pre } = biasGelu(rt.tensor(f32(x), [R, C]), rt.tensor(f32(bias), [C]), approx);
          const { dx, dbias } = biasGeluBackward(rt.tensor(f32(dy), [R, C]), pre, approx);
          assertEqual(out.shape.join(','), `${R},${C}`, 'out shape');
          assertEqual(dbias.shape.join(','), `${C}`, 'dbias shape');
          return { out: await out.data(), pre: await pre.data(), dx: await dx.data(), dbias: await dbias.data() };
        });
        assertClose(got.pre, ref.pre, { atol: 0, rtol: 0 }, 'pre = x + bias (one f32 add)');
        assertClose(got.out, ref.out, GELU_TOL, 'biasGelu out');
        const dpre = refGeluBackward(dy, ref.pre, approx);
        assertClose(got.dx, dpre, GRAD_TOL, 'dx');
        assertClose(got.dbias, refSumRows(dpre, R, C), { atol: 1e-6 * Math.sqrt(Math.max(R, 1)) + 1e-6, rtol: 1e-5 }, 'dbias');
      },
    });
  }

  cases.push({
    name: `geluBackward ${approx} vs finite differences (x and bias)`,
    async run(rt) {
      const R = 4;
      const C = 9;
      const x = randomArray(R * C, 70, -5, 5);
      const bias = randomArray(C, 71, -1, 1);
      const dy = randomArray(R * C, 72);
      const got = await scopeAsync(async () => {
        const { pre } = biasGelu(rt.tensor(f32(x), [R, C]), rt.tensor(f32(bias), [C]), approx);
        const { dx, dbias } = biasGeluBackward(rt.tensor(f32(dy), [R, C]), pre, approx);
        return { dx: await dx.data(), dbias: await dbias.data() };
      });
      const f = (v: Float64Array[]) => refGelu(v[0].map((xv, i) => xv + v[1][i % C]), approx);
      const vars = [Float64Array.from(x), Float64Array.from(bias)];
      assertClose(got.dx, numericalGradient(f, vars, 0, dy), GRADCHECK_TOL, 'dx vs finite differences');
      assertClose(got.dbias, numericalGradient(f, vars, 1, dy), GRADCHECK_TOL, 'dbias vs finite differences');
    },
  });
}

cases.push({
  name: 'gelu bad calls name the op and the shapes',
  async run(rt) {
    await scopeAsync(async () => {
      const x = rt.zeros([4, 8]);
      assertThrows(() => biasGelu(x, rt.zeros([4])), ['biasGelu', 'bias', '[4]', '[4,8]'], 'bias shape');
      assertThrows(() => geluBackward(x, rt.zeros([8, 4])), ['geluBackward', '[8,4]'], 'dy/pre shapes');
      assertThrows(() => gelu(x, 'fast' as GeluApprox), ['gelu', 'approx'], 'bad approx');
    });
  },
});

export const geluCases = cases;
