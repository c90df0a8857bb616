import { afterAll, describe, it } from 'vitest';
import { biasGelu, geluBackward, scopeAsync, type GeluApprox, type Runtime } from '../runtime/index.js';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
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
