import { afterAll, describe, it } from 'vitest';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { coreOpCases } from './cases/core-ops.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS)('core ops on %s', (backend) => {
  for (const c of coreOpCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});
