import { afterAll, describe, it } from 'vitest';
import { BACKENDS_WITH_VARIANTS, destroyRuntimes, getRuntime } from './backends.js';
import { randomTargets, runXent, softmaxXentCases } from './cases/softmax_xent.js';
import { assertClose } from './cases/assert.js';
import { randomArray } from './reference/random.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS_WITH_VARIANTS)('softmax cross-entropy on %s', (backend) => {
  for (const c of softmaxXentCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});

describe('softmax cross-entropy: WebGPU and WASM agree', () => {
  it('loss, rowLoss and dlogits at [64, 3420] with ignored rows', async () => {
    const [gpu, cpu] = await Promise.all([getRuntime('webgpu'), getRuntime('wasm')]);
    const R = 64;
    const V = 3420;
    const logits = randomArray(R * V, 21, -6, 6);
    const targets = randomTargets(R, V, 22, 5);
    const a = await runXent(gpu, logits, targets, R, V);
    const b = await runXent(cpu, logits, targets, R, V);
    // Different summation orders and exp implementations: a few f32 ulps apart.
    assertClose(a.rowLoss, b.rowLoss, { atol: 1e-5, rtol: 1e-5 }, 'rowLoss webgpu vs wasm');
    assertClose(a.loss, b.loss, { atol: 1e-5, rtol: 1e-5 }, 'loss webgpu vs wasm');
    assertClose(a.dlogits!, b.dlogits!, { atol: 1e-8, rtol: 1e-4 }, 'dlogits webgpu vs wasm');
  });
});
