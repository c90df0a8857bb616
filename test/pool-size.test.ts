// Memory pools by size class: shapes that vary a little from step to step (the masked rows of
// a batch) reuse pooled blocks, so callers need not pad shapes for the pool.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { POOL_EXACT_BYTES, poolSizeClass } from '../runtime/pool-size.js';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';

afterAll(destroyRuntimes);

describe('poolSizeClass', () => {
  it('is aligned, at least the request, at most 12.5% over it above POOL_EXACT_BYTES, and monotone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 33 }), fc.constantFrom(16, 64), (bytes, align) => {
        const c = poolSizeClass(bytes, align);
        expect(c % align).toBe(0);
        expect(c).toBeGreaterThanOrEqual(Math.max(bytes, align));
        if (bytes > POOL_EXACT_BYTES) expect(c).toBeLessThanOrEqual(bytes * 1.125 + align);
        else expect(c).toBe(Math.max(align, Math.ceil(bytes / align) * align));
        expect(poolSizeClass(bytes + 1, align)).toBeGreaterThanOrEqual(c);
        expect(poolSizeClass(c, align)).toBe(c);
      }),
      { numRuns: 2000 },
    );
  });
});

describe.each(BACKENDS)('pooled memory on %s', (backend) => {
  it('tensors of nearby sizes reuse one pooled block instead of reserving more memory', async () => {
    const rt = await getRuntime(backend);
    const d = 64;
    // R = 1000..1015 rows of 64 floats: 256,000 to 259,840 bytes, all in the 262,144-byte class.
    const first = rt.zeros([1000, d]);
    await first.data(); // the readback's staging buffer is pooled by class too
    first.dispose();
    await rt.sync();
    const reserved = rt.memory().reservedBytes;
    for (let R = 1001; R < 1016; R++) {
      const t = rt.zeros([R, d]);
      await t.data();
      t.dispose();
      await rt.sync();
    }
    expect(rt.memory().reservedBytes).toBe(reserved);
  });
});
