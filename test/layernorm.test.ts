import { afterAll, describe, it } from 'vitest';
import { layerNorm, layerNormBackward, sumRows, scopeAsync, type Runtime } from '../runtime/internal.js';
import { BACKENDS_WITH_VARIANTS, destroyRuntimes, getRuntime } from './backends.js';
import { layerNormCases } from './cases/layernorm.js';
import { assertClose } from './cases/assert.js';
import { randomArray } from './reference/random.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS_WITH_VARIANTS)('layer norm and sumRows on %s', (backend) => {
  for (const c of layerNormCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});

// BERT4Rec's shape: rows B*L = 64*200, d = 64, with a residual.
async function run(rt: Runtime, R: number, d: number) {
  const f32 = (x: Float64Array) => Float32Array.from(x);
  return scopeAsync(async () => {
    const x = rt.tensor(f32(randomArray(R * d, 1)), [R, d]);
    const res = rt.tensor(f32(randomArray(R * d, 2)), [R, d]);
    const gamma = rt.tensor(f32(randomArray(d, 3, 0.5, 1.5)), [d]);
    const beta = rt.tensor(f32(randomArray(d, 4)), [d]);
    const dy = rt.tensor(f32(randomArray(R * d, 5)), [R, d]);
    const f = layerNorm(x, gamma, beta, { residual: res });
    const g = layerNormBackward(dy, f.input, gamma, f.mean, f.rstd);
    const s = sumRows(dy);
    return { y: await f.y.data(), rstd: await f.rstd.data(), dx: await g.dx.data(), dgamma: await g.dgamma.data(), dbeta: await g.dbeta.data(), s: await s.data() };
  });
}

describe('layer norm: WebGPU and WASM agree', () => {
  it('R=12800, d=64 with residual (forward, backward, sumRows)', async () => {
    const [a, b] = [await run(await getRuntime('webgpu'), 12800, 64), await run(await getRuntime('wasm'), 12800, 64)];
    assertClose(a.y, b.y, { atol: 4e-6, rtol: 4e-6 }, 'y');
    assertClose(a.rstd, b.rstd, { atol: 0, rtol: 4e-6 }, 'rstd');
    assertClose(a.dx, b.dx, { atol: 2e-5, rtol: 2e-5 }, 'dx');
    // sums over 12800 rows in different (both blocked) orders
    assertClose(a.dgamma, b.dgamma, { atol: 2e-4, rtol: 1e-5 }, 'dgamma');
    assertClose(a.dbeta, b.dbeta, { atol: 2e-4, rtol: 1e-5 }, 'dbeta');
    // sumRows uses the same blocks and summation order on both backends: bit-identical
    assertClose(a.s, b.s, { atol: 0, rtol: 0 }, 'sumRows');
  });
  it('R=37, d=1000', async () => {
    const [a, b] = [await run(await getRuntime('webgpu'), 37, 1000), await run(await getRuntime('wasm'), 37, 1000)];
    assertClose(a.y, b.y, { atol: 4e-6, rtol: 4e-6 }, 'y');
    assertClose(a.dx, b.dx, { atol: 2e-5, rtol: 2e-5 }, 'dx');
    assertClose(a.dgamma, b.dgamma, { atol: 2e-5, rtol: 1e-5 }, 'dgamma');
  });
});
