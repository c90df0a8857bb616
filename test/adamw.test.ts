import { afterAll, describe, it } from 'vitest';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { adamwCases, runAdamW } from './cases/adamw.js';
import { gradNormCases, runGradNorm } from './cases/grad_norm.js';
import { assertClose } from './cases/assert.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS)('adamW on %s', (backend) => {
  for (const c of adamwCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});

describe.each(BACKENDS)('global gradient norm on %s', (backend) => {
  for (const c of gradNormCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});

describe('adamW and grad norm: WebGPU and WASM agree', () => {
  it('six clipped AdamW steps over 20000 values', async () => {
    const [gpu, cpu] = await Promise.all([getRuntime('webgpu'), getRuntime('wasm')]);
    const o = { n: 20000, steps: 6, lr: 1e-3, weightDecay: 0.01, clipNorm: 10, seed: 91 };
    const a = await runAdamW(gpu, o);
    const b = await runAdamW(cpu, o);
    assertClose(a.got[0], b.got[0], { atol: 1e-6, rtol: 1e-5 }, 'param webgpu vs wasm');
    assertClose(a.got[1], b.got[1], { atol: 1e-7, rtol: 1e-5 }, 'm webgpu vs wasm');
    assertClose(a.got[2], b.got[2], { atol: 1e-9, rtol: 1e-5 }, 'v webgpu vs wasm');
  });
  it('grad norm over odd-sized tensors', async () => {
    const [gpu, cpu] = await Promise.all([getRuntime('webgpu'), getRuntime('wasm')]);
    const sizes = [4097, 1, 12345, 63];
    const a = await runGradNorm(gpu, sizes, 92, 3);
    const b = await runGradNorm(cpu, sizes, 92, 3);
    assertClose(a.got, b.got, { atol: 0, rtol: 1e-5 }, 'normSq, norm, clip factor webgpu vs wasm');
  });
});
