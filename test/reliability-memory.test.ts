// Long-run memory: 600 training steps of a small model built from the runtime's nn modules
// and AdamW (clipping on) must keep device memory exactly flat (live, pooled and peak bytes
// from step 3 on) and the process RSS bounded, on both backends. A leak of one tensor per
// step shows up as live bytes growing; buffers that never return to the pool as pooled or
// peak bytes growing; host-side leaks (command encoders, bind groups, typed arrays) as RSS.
// A full GC runs every GC_EVERY steps: V8 does not see the native memory behind Dawn's
// objects, so without it RSS tracks the collector's heuristics (tens of MB of garbage that a
// collection frees) rather than leaks. With it, RSS growth is memory that stays reachable.
// The first 200 steps are warm-up (pipelines, pools, allocator arenas; under heavy CPU
// contention Dawn/lavapipe's high-water mark keeps rising for a while, then plateaus: 3000
// steps stay within ~5 MB). RSS growth is measured over the last 400 steps as the
// least-squares slope of post-GC samples every 10 steps (one late jump does not dominate).
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { AdamW, tapeLength } from '../runtime/index.js';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { Mlp, toyData, trainStep } from './cases/nn.js';

afterAll(destroyRuntimes);

const STEPS = 600;
const MEASURED = 400;
/** RSS may grow at most this much over the last 400 steps. */
const RSS_BUDGET = 20 * 1024 * 1024;
const GC_EVERY = 10;

/** A full garbage collection (the flag is set at run time; vitest's workers start without --expose-gc). */
function fullGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe.each(BACKENDS)(`memory over ${STEPS} training steps on %s`, (backend) => {
  it(`${STEPS} AdamW steps of an MLP with dropout: live/pooled/peak bytes flat, RSS growth over the last ${MEASURED} < 20 MB`, async () => {
    const rt = await getRuntime(backend);
    const model = new Mlp(rt, 8, 16, 3, 0.1);
    const { x, y } = toyData(rt, 32, 8);
    const opt = new AdamW([{ params: model.parameters(), weightDecay: 0.01 }], { lr: 1e-3, clipNorm: 1 });
    const mem: Array<{ live: number; count: number; pooled: number; peak: number }> = [];
    const losses: number[] = [];
    const samples: Array<[number, number]> = []; // (step, RSS bytes) after a GC, over the measured steps
    const gc = fullGc();
    for (let i = 0; i < STEPS; i++) {
      if (i === 2) rt.backend.resetPeak();
      const loss = trainStep(model, opt, x, y);
      losses.push(await loss.item());
      loss.dispose();
      expect(tapeLength()).toBe(0);
      const m = rt.memory();
      mem.push({ live: m.liveBytes, count: m.liveCount, pooled: m.pooledBytes, peak: m.peakLiveBytes });
      if (i % GC_EVERY === GC_EVERY - 1) {
        gc();
        if (i + 1 >= STEPS - MEASURED) samples.push([i + 1, process.memoryUsage().rss]);
      }
    }
    const rssGrowth = slope(samples) * MEASURED;
    const rssTrace = samples.filter(([s]) => s % 50 === 0).map(([s, b]) => `${s}:${(b / 2 ** 20).toFixed(1)}`);
    // Gradients exist from step 1 on, the pool is warm from step 2: everything is flat from step 3.
    const ref = mem[2];
    const firstDiff = mem.findIndex((m, i) => i >= 2 && (m.live !== ref.live || m.count !== ref.count || m.pooled !== ref.pooled || m.peak !== ref.peak));
    expect(firstDiff, `memory changed at step ${firstDiff + 1}: ${JSON.stringify(mem[firstDiff])} vs ${JSON.stringify(ref)}`).toBe(-1);
    expect(rssGrowth, `RSS grew ${(rssGrowth / 2 ** 20).toFixed(1)} MB over the last ${MEASURED} steps (step:MB ${rssTrace.join(' ')})`).toBeLessThan(RSS_BUDGET);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[STEPS - 1]).toBeLessThan(losses[0]); // it trained
    opt.zeroGrad();
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
    // Everything this test allocated is freed.
    expect(rt.memory().liveCount).toBe(0);
    console.log(`${backend}: live ${ref.live} B in ${ref.count} tensors, pooled ${ref.pooled} B, peak ${ref.peak} B; RSS +${(rssGrowth / 2 ** 20).toFixed(2)} MB over the last ${MEASURED} steps (step:MB ${rssTrace.join(' ')})`);
  });
});

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
