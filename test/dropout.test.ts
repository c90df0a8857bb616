import { afterAll, describe, it } from 'vitest';
import { dropout, dropoutBackward, scopeAsync, type Runtime } from '../runtime/internal.js';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { dropoutCases } from './cases/dropout.js';
import { assertClose } from './cases/assert.js';
import { randomArray } from './reference/random.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS)('dropout on %s', (backend) => {
  for (const c of dropoutCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});

async function run(rt: Runtime, n: number, p: number, seed: number) {
  const x = Float32Array.from(randomArray(n, 1));
  return scopeAsync(async () => ({
    y: await dropout(rt.tensor(x, [n]), p, seed).data(),
    dx: await dropoutBackward(rt.tensor(x, [n]), p, seed).data(),
  }));
}

describe('dropout: WebGPU and WASM draw identical bits', () => {
  // n % 4 == 0 takes WebGPU's vec4 kernel, the other the scalar one
  for (const n of [12800 * 64 + 5, 12800 * 64]) {
    it(`n = ${n}, p = 0.1, several seeds`, async () => {
      for (const seed of [0, 1, 0x9e3779b9]) {
        const a = await run(await getRuntime('webgpu'), n, 0.1, seed);
        const b = await run(await getRuntime('wasm'), n, 0.1, seed);
        assertClose(a.y, b.y, { atol: 0, rtol: 0 }, `dropout seed ${seed}`);
        assertClose(a.dx, b.dx, { atol: 0, rtol: 0 }, `dropoutBackward seed ${seed}`);
      }
    });
  }
});
