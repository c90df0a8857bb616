import { afterAll, describe, it } from 'vitest';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { nnCases } from './cases/nn.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS)('nn modules on %s', (backend) => {
  for (const c of nnCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});
