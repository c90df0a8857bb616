// Long-run memory: 600 training steps of a small model built from the runtime's nn modules
// and AdamW (clipping on) must keep memory flat, on both backends:
// - device memory exactly flat from step 3 on: live, pooled, peak and reserved bytes (reserved:
//   every GPUBuffer the WebGPU backend holds, staging and uniforms included; the WASM module's
//   linear memory). A leaked tensor shows as live bytes growing; a buffer that never returns to
//   the pool as pooled or peak bytes; a buffer created outside the pool as reserved bytes.
// - the JS heap (V8 heap + ArrayBuffer bytes, after a full GC) grows < 2 MB over the last 400
//   steps: host-side leaks (typed arrays, command encoders, bind groups or closures kept
//   reachable) of more than ~5 KB a step. Measured: ~0.2 MB (the test's own per-step records).
// - the process RSS grows < 64 MB over the last 400 steps: a backstop for gross native leaks.
//   RSS is not exact: Dawn/lavapipe's allocator arenas keep a high-water mark that, under heavy
//   CPU contention (CI runs test files in parallel), rises in steps for a while (up to ~25 MB
//   over 400 steps seen), then plateaus. Quiet runs measure < 2 MB.
// A full GC runs every GC_EVERY steps: V8 does not see the native memory behind Dawn's objects,
// so without it RSS tracks the collector's heuristics. Growth is the least-squares slope of the
// post-GC samples over the last 400 steps (the first 200 are warm-up: pipelines, pools, arenas).
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { AdamW } from '../runtime/index.js';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { Mlp, toyData, trainStep } from './cases/nn.js';

afterAll(destroyRuntimes);

const STEPS = 600;
const MEASURED = 400;
/** The JS heap (V8 heap + ArrayBuffers) may grow at most this much over the last 400 steps. */
const HEAP_BUDGET = 2 * 1024 * 1024;
/** RSS may grow at most this much over the last 400 steps. */
const RSS_BUDGET = 64 * 1024 * 1024;
const GC_EVERY = 10;

/** A full garbage collection (the flag is set at run time; vitest's workers start without --expose-gc). */
function fullGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe.each(BACKENDS)(`memory over ${STEPS} training steps on %s`, (backend) => {
  it(`${STEPS} AdamW steps of an MLP with dropout: live/pooled/peak/reserved bytes flat, JS heap growth < 2 MB, RSS growth < 64 MB over the last ${MEASURED}`, async () => {
    const rt = await getRuntime(backend);
    const model = new Mlp(rt, 8, 16, 3, 0.1);
    const { x, y } = toyData(rt, 32, 8);
    const opt = new AdamW([{ params: model.parameters(), weightDecay: 0.01 }], { lr: 1e-3, clipNorm: 1 });
    const mem: Array<{ live: number; count: number; pooled: number; peak: number; reserved: number }> = [];
    const losses: number[] = [];
    const rssSamples: Array<[number, number]> = []; // (step, RSS bytes) after a GC, over the measured steps
    const heapSamples: Array<[number, number]> = []; // (step, V8 heap + ArrayBuffer bytes) after a GC
    const gc = fullGc();
    for (let i = 0; i < STEPS; i++) {
      if (i === 2) rt.backend.resetPeak();
      const loss = trainStep(model, opt, x, y);
      losses.push(await loss.item());
      loss.dispose();
      expect(rt.tapeLength()).toBe(0);
      const m = rt.memory();
      mem.push({ live: m.liveBytes, count: m.liveCount, pooled: m.pooledBytes, peak: m.peakLiveBytes, reserved: m.reservedBytes });
      if (i % GC_EVERY === GC_EVERY - 1) {
        gc();
        if (i + 1 >= STEPS - MEASURED) {
          const usage = process.memoryUsage();
          rssSamples.push([i + 1, usage.rss]);
          heapSamples.push([i + 1, usage.heapUsed + usage.arrayBuffers]);
        }
      }
    }
    const rssGrowth = slope(rssSamples) * MEASURED;
    const heapGrowth = slope(heapSamples) * MEASURED;
    const rssTrace = trace(rssSamples);
    const heapTrace = trace(heapSamples);
    // Gradients exist from step 1 on, the pool is warm from step 2: everything is flat from step 3.
    const ref = mem[2];
    const firstDiff = mem.findIndex((m, i) => i >= 2 && (m.live !== ref.live || m.count !== ref.count || m.pooled !== ref.pooled || m.peak !== ref.peak || m.reserved !== ref.reserved));
    expect(firstDiff, `memory changed at step ${firstDiff + 1}: ${JSON.stringify(mem[firstDiff])} vs ${JSON.stringify(ref)}`).toBe(-1);
    expect(heapGrowth, `JS heap grew ${(heapGrowth / 2 ** 20).toFixed(2)} MB over the last ${MEASURED} steps (step:MB ${heapTrace})`).toBeLessThan(HEAP_BUDGET);
    expect(rssGrowth, `RSS grew ${(rssGrowth / 2 ** 20).toFixed(1)} MB over the last ${MEASURED} steps (step:MB ${rssTrace})`).toBeLessThan(RSS_BUDGET);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[STEPS - 1]).toBeLessThan(losses[0]); // it trained
    opt.zeroGrad();
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
    // Everything this test allocated is freed.
    expect(rt.memory().liveCount).toBe(0);
    console.log(
      `${backend}: live ${ref.live} B in ${ref.count} tensors, pooled ${ref.pooled} B, peak ${ref.peak} B, reserved ${ref.reserved} B; ` +
        `over the last ${MEASURED} steps JS heap +${(heapGrowth / 2 ** 20).toFixed(2)} MB (step:MB ${heapTrace}), RSS +${(rssGrowth / 2 ** 20).toFixed(2)} MB (step:MB ${rssTrace})`,
    );
  });
});

/** Every 50th sample as `step:MB`. */
function trace(points: ReadonlyArray<readonly [number, number]>): string {
  return points
    .filter(([step]) => step % 50 === 0)
    .map(([step, bytes]) => `${step}:${(bytes / 2 ** 20).toFixed(2)}`)
    .join(' ');
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return num / den;
}
