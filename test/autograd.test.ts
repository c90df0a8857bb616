import { afterAll, describe, it } from 'vitest';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { autogradCases } from './cases/autograd.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS)('autograd on %s', (backend) => {
  for (const c of autogradCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});
