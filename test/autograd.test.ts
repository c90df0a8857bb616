import { afterAll, describe, expect, it } from 'vitest';
import { backward, createRuntime, F, scope } from '../runtime/index.js';
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

describe('autograd state belongs to its runtime', () => {
  it('two runtimes have two tapes, and noGrad on one leaves the other recording', async () => {
    const a = await createRuntime({ backend: 'wasm', wasm: { threads: 1 } });
    const b = await createRuntime({ backend: 'wasm', wasm: { threads: 1 } });
    try {
      const wa = a.tensor(new Float32Array([1, 2, 3]), [3]);
      const wb = b.tensor(new Float32Array([4, 5, 6]), [3]);
      wa.requiresGrad = true;
      wb.requiresGrad = true;
      const la = scope(() => F.sumAll(F.mul(wa, wa)));
      expect(a.tapeLength()).toBeGreaterThan(0);
      expect(b.tapeLength()).toBe(0);
      // Recording off on a; b records inside a's noGrad, a does not.
      const [ya, lb] = a.noGrad(() => {
        expect(a.gradEnabled).toBe(false);
        expect(b.gradEnabled).toBe(true);
        return [scope(() => F.sumAll(F.mul(wa, wa))), scope(() => F.sumAll(F.mul(wb, wb)))];
      });
      expect(ya.requiresGrad).toBe(false);
      expect(lb.requiresGrad).toBe(true);
      const tapeA = a.tapeLength();
      expect(b.tapeLength()).toBeGreaterThan(0);
      // backward on b consumes b's tape only.
      backward(lb);
      expect(b.tapeLength()).toBe(0);
      expect(a.tapeLength()).toBe(tapeA);
      expect(Array.from((await wb.grad!.data()) as Float32Array)).toEqual([8, 10, 12]);
      expect(wa.grad).toBeNull();
      backward(la);
      expect(a.tapeLength()).toBe(0);
      expect(Array.from((await wa.grad!.data()) as Float32Array)).toEqual([2, 4, 6]);
      for (const t of [wa, wb, la, lb, ya]) t.dispose();
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('discardTape on one runtime leaves the other tape', async () => {
    const a = await createRuntime({ backend: 'wasm', wasm: { threads: 1 } });
    const b = await createRuntime({ backend: 'wasm', wasm: { threads: 1 } });
    try {
      const wa = a.tensor(new Float32Array([1, 2]), [2]);
      const wb = b.tensor(new Float32Array([3, 4]), [2]);
      wa.requiresGrad = wb.requiresGrad = true;
      const la = scope(() => F.sumAll(F.scale(wa, 2)));
      const lb = scope(() => F.sumAll(F.scale(wb, 2)));
      a.discardTape();
      expect(a.tapeLength()).toBe(0);
      expect(b.tapeLength()).toBeGreaterThan(0);
      backward(lb);
      expect(Array.from((await wb.grad!.data()) as Float32Array)).toEqual([2, 2]);
      for (const t of [wa, wb, la, lb]) t.dispose();
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});
