// The portable kernel suite under Deno (WebGPU from navigator.gpu on lavapipe, and WASM).
// Needs `npm run build` first (npm test does it). Fails, never skips, without an adapter.
import { expect, it } from 'vitest';
import { runDenoScript } from './deno.js';

it('kernel suite passes under Deno on WebGPU and WASM', () => {
  const { summary, out, status } = runDenoScript<{ backends: Record<string, unknown>; failed: number; passed: number }>('dist/test/portable-deno.js', 'DENO_SUMMARY', 600_000);
  expect(summary.backends.webgpu, `Deno has no WebGPU adapter:\n${out.slice(-2000)}`).toBeTruthy();
  expect(summary.failed, out.slice(-4000)).toBe(0);
  expect(summary.passed).toBeGreaterThan(100);
  expect(status).toBe(0);
}, 600_000); // the whole kernel suite on two backends: ~2 min on the 2-core CI machine while other files run
