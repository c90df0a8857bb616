// The benchmark report's arithmetic: percentiles, rates, roofline position, markdown rows.
import { describe, expect, it } from 'vitest';
import { percentile, roofline, rooflineFor, resultsTable, summarize, type CaseResult, type Ceilings } from '../bench/report.js';

const ceilings: Ceilings = {
  cpu: { gflopsOneCore: 40, gflopsAllCores: 80, triadGBsOneCore: 20, triadGBsAllCores: 30, copyGBsOneCore: 25, cores: 2, arrayMiB: 32 },
  webgpu: { gflops: 1000, copyGBs: 500 },
};

function result(flops: number, bytes: number, samples: number[], backend: 'wasm' | 'webgpu' = 'wasm'): CaseResult {
  return { name: 'c', group: 'g', backend, itersPerSample: 1, ...summarize(samples, flops, bytes) };
}

describe('bench report', () => {
  it('percentiles interpolate linearly between sorted samples', () => {
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 20], 0.1)).toBeCloseTo(11, 12);
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('summarize sorts samples and computes rates at the median', () => {
    const s = summarize([4, 1, 2, 3, 5], 2e9, 1e9); // median 3 ms
    expect(s.medianMs).toBe(3);
    expect(s.p10Ms).toBeCloseTo(1.4, 12);
    expect(s.p90Ms).toBeCloseTo(4.6, 12);
    expect(s.gflops).toBeCloseTo(2e9 / 3e-3 / 1e9, 9);
    expect(s.gbs).toBeCloseTo(1e9 / 3e-3 / 1e9, 9);
  });

  it('roofline: memory-bound below the ridge point, compute-bound above', () => {
    // WASM against all cores: ridge at 80 / 30 FLOP/B.
    const mem = roofline(result(1e6, 1e6, [1]), rooflineFor('wasm', ceilings))!; // AI 1: attainable 30, achieved 1
    expect(mem.bound).toBe('memory');
    expect(mem.attainable).toBeCloseTo(30, 12);
    expect(mem.fraction).toBeCloseTo(1 / 30, 12);
    const comp = roofline(result(1e9, 1e6, [50]), rooflineFor('wasm', ceilings))!; // AI 1000: attainable 80, achieved 20
    expect(comp.bound).toBe('compute');
    expect(comp.attainable).toBe(80);
    expect(comp.fraction).toBeCloseTo(0.25, 12);
    const copy = roofline(result(0, 5e8, [100], 'webgpu'), rooflineFor('webgpu', ceilings))!; // 5 GB/s of 500
    expect(copy.fraction).toBeCloseTo(0.01, 12);
    expect(rooflineFor('webgpu', { cpu: ceilings.cpu })).toBeNull();
  });

  it('renders one row per result, errors included', () => {
    const table = resultsTable([result(1e9, 1e6, [50]), { ...result(1, 1, []), name: 'broken', error: 'bad | thing' }], ceilings);
    const rows = table.split('\n');
    expect(rows).toHaveLength(4);
    expect(rows[2]).toMatch(/^\| c \| wasm \| 50\.0 \| 50\.0–50\.0 \| 20\.00 \| 0\.02 \| 1000\.00 \| 80\.0 \| 25\.0 \| compute \| — \|$/);
    expect(rows[3]).toContain('error: bad / thing');
  });
});
