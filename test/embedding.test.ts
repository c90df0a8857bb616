import { afterAll, describe, it } from 'vitest';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { embeddingCases, makeIds, runGather, runScatter } from './cases/embedding.js';
import { assertClose } from './cases/assert.js';
import { randomArray } from './reference/random.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS)('embedding on %s', (backend) => {
  for (const c of embeddingCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});

describe('embedding: WebGPU and WASM agree', () => {
  it('gather and scatter-add are bitwise equal at n=12800, V=3420, d=64 (same summation order)', async () => {
    const [gpu, cpu] = await Promise.all([getRuntime('webgpu'), getRuntime('wasm')]);
    const n = 12800;
    const V = 3420;
    const d = 64;
    const ids = makeIds(n, V, 71, 0.3, 0); // a PAD-like hot id 0
    const table = randomArray(V * d, 72);
    const dOut = randomArray(n * d, 73);
    assertClose(await runGather(gpu, table, V, d, ids), await runGather(cpu, table, V, d, ids), { atol: 0, rtol: 0 }, 'gather');
    assertClose(await runScatter(gpu, dOut, ids, V, d), await runScatter(cpu, dOut, ids, V, d), { atol: 0, rtol: 0 }, 'scatter-add');
  });
});
