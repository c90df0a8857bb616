import { afterAll, describe, it } from 'vitest';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { optimCases } from './cases/optim.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS)('optimizers on %s', (backend) => {
  for (const c of optimCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});
