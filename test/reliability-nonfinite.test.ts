// NaN/Inf detection (countNonFinite, checkFinite) on both backends; the cases are portable
// (test/cases/nonfinite.ts, also run by Deno and Chromium).
import { afterAll, describe, it } from 'vitest';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { nonfiniteCases } from './cases/nonfinite.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS)('non-finite checks on %s', (backend) => {
  for (const c of nonfiniteCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});
