// Core op cases: each op on the runtime's backend against the float64 reference.
// Runs under vitest (test/core-ops.test.ts), Deno and Chromium (test/portable/).
import { add, sub, mul, div, scale, sum, matmul, transpose, scope, type Runtime } from '../../runtime/internal.js';
import { randomArray } from '../reference/random.js';
import { refBinary, refMatmul, refScale, refSum, refTranspose } from '../reference/ops.js';
import { assertClose, assertEqual, assertThrows } from './assert.js';
import type { PortableCase } from './types.js';

// Tolerances. Inputs are exactly representable in f32, so one f32 rounding bounds
// elementwise ops; reductions grow with the reduced length.
const ELEMENTWISE = { atol: 1e-6, rtol: 1e-6 };
const reductionTol = (len: number) => ({ atol: 2e-6 * Math.max(1, len), rtol: 1e-5 });

const f32 = (x: Float64Array) => Float32Array.from(x);

const binarySizes: Array<[number[], number[]]> = [
  [[0], [0]],
  [[1], [1]],
  [[257], [257]],
  [[3, 5, 7], [3, 5, 7]],
  [[33, 65], [65]],
  [[4, 1023], [1]],
  [[2, 3, 1], [1]],
  // multiples of 4: WebGPU's vec4 kernel (same shape, repeated rows of 1000 and of 8)
  [[4, 16], [4, 16]],
  [[64, 1000], [1000]],
  [[12, 8], [8]],
  // >= 512K elements: on WASM split over the worker threads in chunks of 4096, whose
  // boundaries fall inside b's rows of 1001 and inside the scalar case's vec4 steps
  [[600, 1001], [1001]],
  [[3, 200001], [1]],
  [[2, 262147], [2, 262147]],
];

const cases: PortableCase[] = [];

for (const op of ['add', 'sub', 'mul', 'div'] as const) {
  const fn = { add, sub, mul, div }[op];
  for (const [sa, sb] of binarySizes) {
    cases.push({
      name: `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
      async run(rt) {
        const na = sa.reduce((x, y) => x * y, 1);
        const nb = sb.reduce((x, y) => x * y, 1);
        const a = randomArray(na, 1);
        const b = op === 'div' ? randomArray(nb, 2, 0.5, 2) : randomArray(nb, 2);
        const out = scope(() => fn(rt.tensor(f32(a), sa), rt.tensor(f32(b), sb)));
        assertEqual(out.shape.join(','), sa.join(','), 'output shape');
        assertClose(await out.data(), refBinary(op, a, b), ELEMENTWISE, op);
        out.dispose();
      },
    });
  }
}

for (const n of [0, 1, 7, 256, 1000]) {
  cases.push({
    name: `scale n=${n}`,
    async run(rt) {
      const x = randomArray(n, 3);
      const out = scope(() => scale(rt.tensor(f32(x), [n]), 0.37, -1.5));
      assertClose(await out.data(), refScale(x, Math.fround(0.37), -1.5), { atol: 1e-6, rtol: 1e-6 }, 'scale');
      out.dispose();
    },
  });
}

const sumShapes: Array<[number[], number]> = [
  [[5], 0],
  [[1, 1], 1],
  [[3, 0, 4], 1],
  [[3, 4, 0], 0],
  [[7, 300], 1],
  [[7, 300], 0],
  [[2, 3, 5, 7], 2],
  [[2, 3, 5, 7], -1],
  [[1000, 3], 0],
];
for (const [shape, axis] of sumShapes) {
  cases.push({
    name: `sum ${JSON.stringify(shape)} axis=${axis}`,
    async run(rt) {
      const n = shape.reduce((x, y) => x * y, 1);
      const x = randomArray(n, 4);
      const ax = axis < 0 ? axis + shape.length : axis;
      const out = scope(() => sum(rt.tensor(f32(x), shape), axis));
      assertEqual(out.shape.join(','), shape.filter((_, i) => i !== ax).join(','), 'output shape');
      assertClose(await out.data(), refSum(x, shape, ax), reductionTol(shape[ax]), 'sum');
      out.dispose();
    },
  });
}

// [batchA, batchB, M, N, K]
const matmulShapes: Array<[number, number, number, number, number]> = [
  [1, 1, 1, 1, 1],
  [1, 1, 17, 33, 9],
  [3, 3, 5, 7, 11],
  [4, 1, 20, 13, 64],
  [1, 1, 0, 5, 3],
  [2, 2, 3, 4, 0],
  [1, 1, 65, 70, 130],
];
for (const [batchA, batchB, M, N, K] of matmulShapes) {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      cases.push({
        name: `matmul bA=${batchA} bB=${batchB} M=${M} N=${N} K=${K} tA=${transA} tB=${transB}`,
        async run(rt) {
          const A = randomArray(batchA * M * K, 5);
          const B = randomArray(batchB * K * N, 6);
          const aShape = batchA > 1 ? [batchA, ...(transA ? [K, M] : [M, K])] : transA ? [K, M] : [M, K];
          const bShape = batchB > 1 ? [batchB, ...(transB ? [N, K] : [K, N])] : transB ? [N, K] : [K, N];
          const out = scope(() => matmul(rt.tensor(f32(A), aShape), rt.tensor(f32(B), bShape), { transA, transB }));
          const batch = Math.max(batchA, batchB);
          assertEqual(out.shape.join(','), (batch > 1 ? [batch, M, N] : [M, N]).join(','), 'output shape');
          assertClose(await out.data(), refMatmul(A, B, batchA, batchB, M, N, K, transA, transB), reductionTol(K), 'matmul');
          out.dispose();
        },
      });
    }
  }
}

const transposeShapes: number[][] = [
  [1, 1],
  [3, 17],
  [33, 16],
  [2, 5, 40],
  [0, 4],
  [100, 1],
];
for (const shape of transposeShapes) {
  cases.push({
    name: `transpose ${JSON.stringify(shape)}`,
    async run(rt) {
      const n = shape.reduce((x, y) => x * y, 1);
      const x = randomArray(n, 7);
      const R = shape[shape.length - 2];
      const C = shape[shape.length - 1];
      const batch = n / Math.max(1, R * C) || 1;
      const out = scope(() => transpose(rt.tensor(f32(x), shape)));
      assertEqual(out.shape.join(','), [...shape.slice(0, -2), C, R].join(','), 'output shape');
      assertClose(await out.data(), refTranspose(x, R * C === 0 ? 0 : batch, R, C), { atol: 0, rtol: 0 }, 'transpose');
      out.dispose();
    },
  });
}

cases.push({
  name: 'integer tensors round-trip and transpose',
  async run(rt) {
    const x = Int32Array.from({ length: 12 }, (_, i) => i * 1000003 - 5);
    const t = rt.tensor(x, [3, 4]);
    assertClose(await t.data(), x, { atol: 0, rtol: 0 }, 'i32 round trip');
    const tt = transpose(t);
    const expect = new Int32Array(12);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect[c * 3 + r] = x[r * 4 + c];
    assertClose(await tt.data(), expect, { atol: 0, rtol: 0 }, 'i32 transpose');
    const z = rt.zeros([5], 'u32');
    assertClose(await z.data(), new Uint32Array(5), { atol: 0, rtol: 0 }, 'u32 zeros');
    const f = rt.full([3], -2.5);
    assertClose(await f.data(), [-2.5, -2.5, -2.5], { atol: 0, rtol: 0 }, 'full');
    t.dispose();
    tt.dispose();
    z.dispose();
    f.dispose();
  },
});

cases.push({
  name: 'bad calls name the op and the shapes',
  async run(rt) {
    scope(() => {
      const a = rt.zeros([2, 3]);
      const b = rt.zeros([4]);
      assertThrows(() => add(a, b), ['add', '[2,3]', '[4]'], 'mismatched add');
      assertThrows(() => matmul(a, rt.zeros([4, 5])), ['matmul', '[2,3]', '[4,5]'], 'mismatched matmul');
      assertThrows(() => add(a, rt.zeros([2, 3], 'i32')), ['add', 'dtype', 'i32'], 'wrong dtype');
      assertThrows(() => sum(a, 2), ['sum', 'axis 2'], 'bad axis');
      assertThrows(() => transpose(rt.zeros([3])), ['transpose', '[3]'], 'rank-1 transpose');
      const d = rt.zeros([2, 3]);
      d.dispose();
      assertThrows(() => scale(d, 2), ['scale', 'disposed', '[2,3]'], 'disposed tensor');
      assertThrows(() => rt.tensor(new Float32Array(5), [2, 3]), ['tensor', '5 elements', '[2,3]'], 'bad data length');
    });
  },
});

cases.push({
  name: '1,000 iterations of an op chain keep live memory flat',
  async run(rt) {
    const a = rt.tensor(f32(randomArray(4 * 64, 8)), [4, 64]);
    const w = rt.tensor(f32(randomArray(64 * 32, 9, -0.1, 0.1)), [64, 32]);
    const bias = rt.tensor(f32(randomArray(32, 10)), [32]);
    let acc = rt.zeros([32]);
    // Warm-up fills the pool; afterwards nothing may grow.
    const step = () => {
      const next = scope(() => {
        const h = add(matmul(a, w), bias);
        const s = sum(transpose(mul(h, h)), 1);
        return add(acc, scale(s, 1e-3));
      });
      acc.dispose();
      acc = next;
    };
    for (let i = 0; i < 10; i++) step();
    await rt.sync();
    const before = rt.memory();
    // Held memory (live + pooled) may vary with where submits fall, but its
    // high-water mark over the second 500 iterations must not pass the first 500's.
    const held = () => {
      const m = rt.memory();
      return m.liveBytes + m.pooledBytes;
    };
    let firstHalfMax = 0;
    let secondHalfMax = 0;
    for (let i = 0; i < 1000; i++) {
      step();
      if (i < 500) firstHalfMax = Math.max(firstHalfMax, held());
      else secondHalfMax = Math.max(secondHalfMax, held());
    }
    await rt.sync();
    const after = rt.memory();
    assertEqual(after.liveBytes, before.liveBytes, 'live bytes after 1,000 iterations');
    assertEqual(after.liveCount, before.liveCount, 'live tensors after 1,000 iterations');
    if (secondHalfMax > firstHalfMax) throw new Error(`held memory grew: ${firstHalfMax} bytes max over iterations 1-500, ${secondHalfMax} over 501-1000`);
    const v = await acc.data();
    if (!v.every(Number.isFinite)) throw new Error('op chain produced non-finite values');
    for (const t of [a, w, bias, acc]) t.dispose();
  },
});

export const coreOpCases = cases;
