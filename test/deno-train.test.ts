// A short BERT4Rec training run under Deno (WebGPU from navigator.gpu on lavapipe, and WASM)
// with the demo's platform-neutral trainer. Needs `npm run build` first (npm test does it).
// Fails, never skips, when Deno has no WebGPU adapter.
import { expect, it } from 'vitest';
import { runDenoScript } from './deno.js';

interface BackendResult {
  description?: string;
  steps?: number;
  meanFirst10?: number;
  meanLast10?: number;
  ndcg10?: number;
  recommendations?: number[];
  reloadedMatches?: boolean;
  embeddingsCovered?: number;
  error?: string;
}

it('BERT4Rec and SASRec (from pre-trained item vectors) train under Deno on WebGPU and WASM (loss falls, both agree, checkpoint round trip)', () => {
  const { summary, out, status } = runDenoScript<{ items: number; backends: Record<string, BackendResult> }>('dist/test/deno-train.js', 'DENO_TRAIN_SUMMARY', 300_000);
  const gpu = summary.backends.webgpu;
  const cpu = summary.backends.wasm;
  expect(gpu?.description, `Deno has no WebGPU adapter:\n${out.slice(-2000)}`).toMatch(/^WebGPU/);
  expect(gpu.error, 'webgpu run failed').toBeUndefined();
  expect(cpu?.error, 'wasm run failed').toBeUndefined();
  for (const [name, b] of [['webgpu', gpu], ['wasm', cpu]] as const) {
    expect(b.steps, name).toBe(100);
    // Initial loss is about ln(V+2); 100 steps must bring the mean clearly down.
    expect(b.meanFirst10!, name).toBeGreaterThan(b.meanLast10! + 0.15);
    // Next-item ranking clearly above chance (a random ranking of ~32 items gives NDCG@10 ~ 0.15).
    expect(b.ndcg10!, name).toBeGreaterThan(0.3);
    expect(b.recommendations, name).toHaveLength(10);
    expect(b.reloadedMatches, `${name}: the reloaded checkpoint recommends other items`).toBe(true);
  }
  // Same seeds and counter-based dropout: the backends follow the same trajectory (f32 rounding apart).
  expect(Math.abs(gpu.meanLast10! - cpu.meanLast10!)).toBeLessThan(1e-2);
  // SASRec, the same way.
  const sGpu = summary.backends['webgpu-sasrec'];
  const sCpu = summary.backends['wasm-sasrec'];
  for (const [name, b] of [['webgpu-sasrec', sGpu], ['wasm-sasrec', sCpu]] as const) {
    expect(b?.error, `${name} run failed`).toBeUndefined();
    expect(b.steps, name).toBe(100);
    expect(b.meanFirst10!, name).toBeGreaterThan(b.meanLast10! + 0.15);
    expect(b.ndcg10!, name).toBeGreaterThan(0.3);
    expect(b.reloadedMatches, `${name}: the reloaded checkpoint recommends other items`).toBe(true);
    // Started from item vectors for every item but one.
    expect(b.embeddingsCovered, name).toBe(summary.items - 1);
  }
  expect(Math.abs(sGpu.meanLast10! - sCpu.meanLast10!)).toBeLessThan(1e-2);
  expect(status).toBe(0);
});
