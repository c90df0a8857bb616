import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS_WITH_VARIANTS, destroyRuntimes, getRuntime } from './backends.js';
import { attentionCases, attnCases, makeInputs, makeQueryRows, queryRowCases, runFused, runFusedAtRows } from './cases/attention.js';
import { assertClose } from './cases/assert.js';

afterAll(destroyRuntimes);

describe.each(BACKENDS_WITH_VARIANTS)('attention on %s', (backend) => {
  for (const c of attentionCases) {
    it(c.name, async () => {
      const rt = await getRuntime(backend);
      await c.run(rt);
      await rt.sync();
    });
  }
});

describe('attention: WebGPU and WASM agree', () => {
  // Both draw the same dropout bits, so they agree to f32 rounding (different block sizes and
  // summation orders), with or without dropout.
  for (const c of attnCases) {
    it(c.name, async () => {
      const x = makeInputs(c);
      const gpu = await runFused(await getRuntime('webgpu'), c, x);
      const cpu = await runFused(await getRuntime('wasm'), c, x);
      const big = !!c.qkScale;
      // (measured: ~1e-7 apart; 3e-5 / 2e-4 apart for the x30 case)
      const tol = big ? { atol: 3e-3, rtol: 1e-3 } : { atol: 1e-5, rtol: 1e-4 };
      for (const name of ['out', 'lse', 'dq', 'dk', 'dv'] as const) {
        assertClose(gpu[name], cpu[name], name === 'lse' ? { atol: tol.atol, rtol: 1e-6 } : tol, `${name} webgpu vs wasm`);
      }
      if (c.dropout) {
        // Same dropped probabilities: exactly-zero entries of the output-gradient of v coincide.
        const zeroG = gpu.dv.filter((x) => x === 0).length;
        const zeroC = cpu.dv.filter((x) => x === 0).length;
        expect(zeroG).toBe(zeroC);
      }
    });
  }
});

describe('attention at query rows: WebGPU and WASM agree', () => {
  for (const { c, share, none } of queryRowCases) {
    it(`${c.name} (${share} of positions)`, async () => {
      const x = makeInputs(c);
      const rows = makeQueryRows(c, share, none);
      const gpu = await runFusedAtRows(await getRuntime('webgpu'), c, x, rows);
      const cpu = await runFusedAtRows(await getRuntime('wasm'), c, x, rows);
      for (const name of ['out', 'lse', 'dq', 'dk', 'dv'] as const) {
        assertClose(gpu[name], cpu[name], name === 'lse' ? { atol: 1e-5, rtol: 1e-6 } : { atol: 1e-5, rtol: 1e-4 }, `${name} webgpu vs wasm`);
      }
      if (c.dropout) expect(gpu.dv.filter((x) => x === 0).length).toBe(cpu.dv.filter((x) => x === 0).length);
    });
  }
});
