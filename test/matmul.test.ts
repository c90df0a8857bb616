import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, matmul, matmulBackward, matmulBiasActivation, scopeAsync, WasmBackend, WebGPUBackend, type Activation, type Runtime } from '../runtime/internal.js';
import { MATMUL_ROWS_PER_ITEM } from '../runtime/ops/matmul.js';
import { BACKENDS_WITH_VARIANTS, destroyRuntimes, getRuntime } from './backends.js';
import { matmulCases, matmulTol, operandShapes, type MatmulCaseShape } from './cases/matmul.js';
import { assertClose } from './cases/assert.js';
import { randomArray } from './reference/random.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS_WITH_VARIANTS)('matmul on %s', (backend) => {
  for (const c of matmulCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});

const f32 = (x: Float64Array) => Float32Array.from(x);

/** out, slope, da, db of one shape with a bias and an activation. */
async function runAll(rt: Runtime, s: MatmulCaseShape, act: Activation) {
  const { aShape, bShape, outShape } = operandShapes(s);
  const batch = Math.max(s.batchA, s.batchB);
  return scopeAsync(async () => {
    const a = rt.tensor(f32(randomArray(s.batchA * s.M * s.K, 1)), aShape);
    const b = rt.tensor(f32(randomArray(s.batchB * s.K * s.N, 2)), bShape);
    const bias = rt.tensor(f32(randomArray(s.N, 3)), [s.N]);
    const { out, slope } = matmulBiasActivation(a, b, bias, act, s);
    const plain = matmul(a, b, s);
    const { da, db } = matmulBackward(rt.tensor(f32(randomArray(batch * s.M * s.N, 4)), outShape), a, b, s);
    return { out: await out.data(), slope: await slope.data(), plain: await plain.data(), da: await da.data(), db: await db.data() };
  });
}

const AGREE: Array<[MatmulCaseShape, Activation]> = [
  [{ batchA: 1, batchB: 1, M: 200, N: 64, K: 64, transA: false, transB: true }, 'gelu_erf'],
  [{ batchA: 3, batchB: 1, M: 50, N: 70, K: 33, transA: false, transB: false }, 'gelu_tanh'],
  [{ batchA: 2, batchB: 2, M: 31, N: 17, K: 260, transA: true, transB: true }, 'relu'],
  [{ batchA: 1, batchB: 4, M: 12, N: 40, K: 24, transA: true, transB: false }, 'none'],
];

it('the portable WebGPU runtime has subgroups and CPU-adapter kernels off', async () => {
  const backend = (await getRuntime('webgpu-portable')).backend as WebGPUBackend;
  expect(backend.subgroupMinSize).toBe(0);
  expect(backend.cpuKernels).toBe(false);
});

it('the WASM runtime runs the relaxed-SIMD build where the engine has relaxed SIMD, the portable one the SIMD-only build', async () => {
  const relaxed = (await getRuntime('wasm')).backend as WasmBackend;
  const portable = (await getRuntime('wasm-portable')).backend as WasmBackend;
  // Node 20 needs V8's --experimental-wasm-relaxed-simd, which the backend turns on itself.
  expect(relaxed.relaxedSimd).toBe(true);
  expect(relaxed.description).toContain('relaxed-SIMD');
  expect(portable.relaxedSimd).toBe(false);
  expect(portable.description).not.toContain('relaxed');
});

describe('matmul: WebGPU and WASM agree', () => {
  for (const [s, act] of AGREE) {
    it(`${JSON.stringify(s)} ${act}`, async () => {
      const [g, w] = [await runAll(await getRuntime('webgpu'), s, act), await runAll(await getRuntime('wasm'), s, act)];
      // both are within matmulTol of the float64 result; allow twice that between them
      const tol = (K: number) => ({ atol: 2 * matmulTol(K).atol, rtol: 2e-5 });
      assertClose(g.out, w.out, tol(s.K), 'out');
      assertClose(g.slope, w.slope, tol(s.K), 'slope');
      assertClose(g.plain, w.plain, tol(s.K), 'plain');
      assertClose(g.da, w.da, tol(s.N * Math.max(s.batchA, s.batchB)), 'da');
      assertClose(g.db, w.db, tol(s.M * Math.max(s.batchA, s.batchB)), 'db');
    });
  }
});

describe('matmul: threaded WASM', () => {
  let single: Runtime;
  let threaded: Runtime;
  afterAll(() => {
    single?.destroy();
    threaded?.destroy();
  });

  it('starts worker threads in Node and can be forced to one thread', async () => {
    single = await createRuntime({ backend: 'wasm', wasm: { threads: 1 } });
    threaded = await createRuntime({ backend: 'wasm', wasm: { threads: 3 } });
    expect((single.backend as WasmBackend).threads).toBe(1);
    expect((threaded.backend as WasmBackend).threads, threaded.backend.description).toBe(3);
    expect(threaded.backend.description).toContain('3 threads');
    const rows = (threaded.backend as WasmBackend).exports.matmul_rows_per_item as () => number;
    expect(rows()).toBe(MATMUL_ROWS_PER_ITEM);
  });

  // Threads split rows; every row runs the same code, so the results are bitwise equal.
  const shapes: Array<[MatmulCaseShape, Activation]> = [
    [{ batchA: 1, batchB: 1, M: 333, N: 129, K: 77, transA: false, transB: true }, 'gelu_erf'],
    [{ batchA: 5, batchB: 1, M: 47, N: 64, K: 300, transA: true, transB: false }, 'gelu_tanh'],
    [{ batchA: 2, batchB: 2, M: 600, N: 13, K: 520, transA: false, transB: false }, 'relu'],
  ];
  for (const [s, act] of shapes) {
    it(`threaded == single-thread ${JSON.stringify(s)} ${act}`, async () => {
      const a = await runAll(single, s, act);
      const b = await runAll(threaded, s, act);
      for (const k of ['out', 'slope', 'plain', 'da', 'db'] as const) assertClose(b[k], a[k], { atol: 0, rtol: 0 }, k);
    });
  }

  it('a destroyed threaded backend lets the process go on (workers terminated)', async () => {
    const rt = await createRuntime({ backend: 'wasm', wasm: { threads: 2 } });
    const x = rt.tensor(new Float32Array(256 * 256).fill(1), [256, 256]);
    const y = matmul(x, x);
    expect((await y.data())[0]).toBe(256);
    rt.destroy();
    expect(() => matmul(x, x)).toThrow();
  });
});
