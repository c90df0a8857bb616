// Interleaved timing of one comparison: ours and theirs alternate sample by sample, and the
// order flips every round (ours, theirs | theirs, ours | ...), so drift (other processes,
// thermal, GC) hits both sides alike. A sample is the mean of k iterations, k calibrated per
// side in the warm-up so a sample lasts about targetMs. Reported: medians, p10/p90, the ratio
// of medians and the median of the per-round ratios (a paired estimate).
import { percentile } from '../report.js';
import type { CompareCase, Side } from './types.js';

export interface MeasureOptions {
  samples: number;
  warmMs: number;
  targetMs: number;
  /** Per side: stop taking rounds once a side has spent this long and has minSamples. */
  budgetMs: number;
  minSamples: number;
}

export interface SideStats {
  /** Per-iteration times (ms) of the samples, in the order taken. */
  samplesMs: number[];
  itersPerSample: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  gflops: number;
  /** Live memory before and after the timed runs (bytes for ours, tensors for TFJS). */
  memoryBefore: number;
  memoryAfter: number;
  error?: string;
}

export interface PairResult {
  name: string;
  group: string;
  flops: number;
  ours: SideStats;
  theirs: SideStats;
  /** ours / theirs of the medians (< 1: ours faster). */
  ratio: number;
  /** theirs / ours of the medians (> 1: ours faster). */
  speedup: number;
  /** Median over rounds of ours_r / theirs_r. */
  pairedRatio: number;
}

/** BENCH_COMPARE_DEBUG=1 logs each set-up and warm-up step. */
const debug = (...a: unknown[]) => void (process.env.BENCH_COMPARE_DEBUG ? console.log('  [debug]', ...a) : undefined);

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function timeIters(side: Side, k: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < k; i++) await side.iterate();
  return (performance.now() - t0) / k;
}

interface Live {
  side: Side | null;
  iters: number;
  samples: number[];
  memoryBefore: number;
  error?: string;
}

async function prepare(what: string, make: () => Promise<Side>, o: MeasureOptions): Promise<Live> {
  let side: Side | null = null;
  try {
    debug(`${what}: set-up`);
    side = await make();
    debug(`${what}: warm-up`);
    // Warm-up (pipelines compiled, WASM tiered up, pools filled): >= 2 runs and warmMs.
    let n = 0;
    let spent = 0;
    let last = 0;
    while (n < 2 || (spent < o.warmMs && n < 1000)) {
      last = await timeIters(side, 1);
      spent += last;
      n++;
      debug(`${what}: warm-up run ${n}: ${last.toFixed(2)} ms`);
    }
    const iters = Math.max(1, Math.min(10_000, Math.ceil(o.targetMs / Math.max(last, 1e-4))));
    return { side, iters, samples: [], memoryBefore: side.memory() };
  } catch (e) {
    try {
      side?.dispose();
    } catch {
      // already failing
    }
    return { side: null, iters: 0, samples: [], memoryBefore: NaN, error: message(e) };
  }
}

function stats(l: Live, flops: number, memoryAfter: number): SideStats {
  const s = [...l.samples].sort((a, b) => a - b);
  const medianMs = percentile(s, 0.5);
  return {
    samplesMs: l.samples,
    itersPerSample: l.iters,
    medianMs,
    p10Ms: percentile(s, 0.1),
    p90Ms: percentile(s, 0.9),
    gflops: flops > 0 ? flops / (medianMs / 1000) / 1e9 : NaN,
    memoryBefore: l.memoryBefore,
    memoryAfter,
    ...(l.error ? { error: l.error } : {}),
  };
}

/** Sets up both sides of `c` (ours first), warms them up, then takes interleaved rounds. */
export async function measurePair(c: CompareCase, ours: () => Promise<Side>, theirs: () => Promise<Side>, o: MeasureOptions): Promise<PairResult> {
  const a = await prepare(`${c.name} ours`, ours, o);
  const b = await prepare(`${c.name} TFJS`, theirs, o);
  const ratios: number[] = [];
  // Rounds go on until `samples` rounds, or until every live side has minSamples and one has
  // spent budgetMs: both sides always get the same rounds.
  const live = () => [a, b].filter((l) => l.side && !l.error);
  const spent = (l: Live) => l.samples.reduce((x, y) => x + y, 0) * l.iters;
  for (let round = 0; round < o.samples; round++) {
    const now = live();
    if (!now.length || (now.every((l) => l.samples.length >= o.minSamples) && now.some((l) => spent(l) > o.budgetMs))) break;
    const order = round % 2 === 0 ? [a, b] : [b, a];
    const took = new Map<Live, number>();
    for (const l of order) {
      if (!l.side || l.error) continue;
      try {
        const t = await timeIters(l.side, l.iters);
        l.samples.push(t);
        took.set(l, t);
      } catch (e) {
        l.error = message(e);
      }
    }
    if (took.has(a) && took.has(b)) ratios.push(took.get(a)! / took.get(b)!);
  }
  const finish = (l: Live): number => {
    if (!l.side) return NaN;
    const after = l.side.memory();
    try {
      l.side.dispose();
    } catch (e) {
      l.error ??= `dispose: ${message(e)}`;
    }
    return after;
  };
  const oursStats = stats(a, c.flops, finish(a));
  const theirsStats = stats(b, c.flops, finish(b));
  const ok = !oursStats.error && !theirsStats.error && oursStats.samplesMs.length > 0 && theirsStats.samplesMs.length > 0;
  const ratio = ok ? oursStats.medianMs / theirsStats.medianMs : NaN;
  return {
    name: c.name,
    group: c.group,
    flops: c.flops,
    ours: oursStats,
    theirs: theirsStats,
    ratio,
    speedup: ok ? 1 / ratio : NaN,
    pairedRatio: ok && ratios.length ? percentile([...ratios].sort((x, y) => x - y), 0.5) : NaN,
  };
}
