import { afterAll, describe, expect, it } from 'vitest';
import { backward, biasGelu, F, gelu, geluBackward, matmulBiasActivation, scope, scopeAsync, type GeluApprox, type Runtime } from '../runtime/internal.js';
import { BACKENDS, BACKENDS_WITH_VARIANTS, destroyRuntimes, getRuntime } from './backends.js';
import { geluCases } from './cases/gelu.js';
import { assertClose } from './cases/assert.js';
import { randomArray } from './reference/random.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS)('gelu on %s', (backend) => {
  for (const c of geluCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});

async function run(rt: Runtime, R: number, C: number, approx: GeluApprox) {
  const f32 = (x: Float64Array) => Float32Array.from(x);
  return scopeAsync(async () => {
    const { out, pre } = biasGelu(rt.tensor(f32(randomArray(R * C, 1, -6, 6)), [R, C]), rt.tensor(f32(randomArray(C, 2)), [C]), approx);
    const d = geluBackward(rt.tensor(f32(randomArray(R * C, 3)), [R, C]), pre, approx);
    return { out: await out.data(), d: await d.data() };
  });
}

describe('gelu: WebGPU and WASM agree', () => {
  for (const approx of ['tanh', 'erf'] as const) {
    it(`biasGelu + geluBackward ${approx}, [1000, 256]`, async () => {
      const a = await run(await getRuntime('webgpu'), 1000, 256, approx);
      const b = await run(await getRuntime('wasm'), 1000, 256, approx);
      // both within GELU_TOL of float64 (test/cases/gelu.ts), so within twice that of each other
      assertClose(a.out, b.out, { atol: 1.2e-6, rtol: 2e-6 }, 'out');
      assertClose(a.d, b.d, { atol: 1e-6, rtol: 2e-6 }, 'dpre');
    });
  }
});

// One GELU everywhere: the plain kernel, the bias-fused kernel and the matmul epilogue
// (F.linear's fused activation) compute the same function bit for bit, the epilogue's slope
// is geluBackward's derivative bit for bit, and the gradient F.linear records (dy times that
// slope) is the derivative of the epilogue itself, checked by central differences.
describe.each(BACKENDS_WITH_VARIANTS)('gelu paths on %s', (backend) => {
  const N = 1027; // rows of 4 columns: 4108 values, tails included
  const xs = Float32Array.from(randomArray(4 * N, 11, -7, 7));
  xs.set([0, -0.5, 0.5, -3, 3, -15.5, 15.5, 1e-3]); // zero, kinks of the clamps, the far tails
  const identity = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

  for (const approx of ['tanh', 'erf'] as const) {
    const act = approx === 'tanh' ? 'gelu_tanh' : 'gelu_erf';
    /** gelu(x) through F.linear's fused epilogue: x [N, 4] @ I^T + 0 (the product and the bias add are exact). */
    const epilogue = (rt: Runtime, x: Float32Array) =>
      rt.noGrad(() => scopeAsync(async () => (await F.linear(rt.tensor(x, [N, 4]), rt.tensor(identity, [4, 4]), rt.zeros([4]), act).data()) as Float32Array));

    it(`${approx}: gelu, biasGelu and the matmul epilogue agree bit for bit`, async () => {
      const rt = await getRuntime(backend);
      const plain = await scopeAsync(async () => (await gelu(rt.tensor(xs, [N, 4]), approx).data()) as Float32Array);
      const fusedBias = await scopeAsync(async () => (await biasGelu(rt.tensor(xs, [N, 4]), rt.zeros([4]), approx).out.data()) as Float32Array);
      const fusedMatmul = await epilogue(rt, xs);
      const scalarLoads = await scopeAsync(async () => {
        // K = 3: the matmul's scalar loaders (and, on WebGPU, its scalar-load variants).
        const x3 = Float32Array.from({ length: 3 * N }, (_, i) => xs[i]);
        const eye3 = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
        return (await matmulBiasActivation(rt.tensor(x3, [N, 3]), rt.tensor(eye3, [3, 3]), rt.zeros([3]), act).out.data()) as Float32Array;
      });
      const mismatch = (got: Float32Array, want: Float32Array, what: string) => {
        for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) return `${what}: x=${xs[i]} gives ${got[i]}, gelu gives ${want[i]}`;
        return null;
      };
      expect(mismatch(fusedBias, plain, 'biasGelu')).toBeNull();
      expect(mismatch(fusedMatmul, plain, 'matmul epilogue')).toBeNull();
      expect(mismatch(scalarLoads, plain.subarray(0, 3 * N), 'matmul epilogue, scalar loads')).toBeNull();
      // The epilogue's slope (what F.linear's backward multiplies by) is geluBackward's gelu'(x).
      const [slope, grad] = await scopeAsync(async () => {
        const x = rt.tensor(xs, [N, 4]);
        const s = matmulBiasActivation(x, rt.tensor(identity, [4, 4]), rt.zeros([4]), act, { transB: true }).slope;
        return [(await s.data()) as Float32Array, (await geluBackward(rt.tensor(new Float32Array(4 * N).fill(1), [N, 4]), x, approx).data()) as Float32Array];
      });
      expect(mismatch(slope, grad, 'matmul epilogue slope vs geluBackward')).toBeNull();
    });

    it(`${approx}: F.linear's gradient through the fused epilogue is the derivative of that epilogue`, async () => {
      const rt = await getRuntime(backend);
      const h = 1 / 64; // exact in f32; x +- h are rounded, so divide by their actual difference
      const xp = Float32Array.from(xs, (x) => x + h);
      const xm = Float32Array.from(xs, (x) => x - h);
      const [fp, fm] = [await epilogue(rt, xp), await epilogue(rt, xm)];
      const x = rt.tensor(xs, [N, 4]);
      x.requiresGrad = true;
      const w = rt.tensor(identity, [4, 4]);
      const b = rt.zeros([4]);
      const loss = scope(() => F.sumAll(F.linear(x, w, b, act)));
      backward(loss);
      const grad = (await x.grad!.data()) as Float32Array;
      for (const t of [x, w, b, loss]) t.dispose();
      // Central differences: truncation h^2/6 |gelu'''| <= 1e-4, rounding 2^-24 |gelu| / h <= 1e-5 here.
      const fd = Float64Array.from(xs, (_, i) => (fp[i] - fm[i]) / (xp[i] - xm[i]));
      assertClose(grad, fd, { atol: 3e-4, rtol: 1e-3 }, `${approx} gradient vs central differences`);
    });
  }
});
