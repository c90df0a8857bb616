// Interleaved timing of one comparison: ours and each peer (TensorFlow.js, jax-js) take turns
// sample by sample, and the order flips every round (ours, TFJS, jax-js | jax-js, TFJS, ours
// | ...), so drift (other processes, thermal, GC) hits every side alike. A sample is the mean
// of k iterations, k calibrated per side in the warm-up so a sample lasts about targetMs.
// Reported per peer: medians, p10/p90, the ratio of medians and the median of the per-round
// ratios ours / peer (a paired estimate).
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
  /** Live memory before and after the timed runs (bytes for ours, tensors for TFJS; NaN when the side cannot tell). */
  memoryBefore: number;
  memoryAfter: number;
  error?: string;
}

/** One peer (TensorFlow.js, jax-js) measured against ours in the same rounds. */
export interface PeerResult {
  /** e.g. 'TFJS', 'jax-js'. */
  peer: string;
  stats: SideStats;
  /** ours / peer of the medians (< 1: ours faster). */
  ratio: number;
  /** peer / ours of the medians (> 1: ours faster). */
  speedup: number;
  /** Median over rounds of ours_r / peer_r. */
  pairedRatio: number;
}

export interface PairResult {
  name: string;
  group: string;
  flops: number;
  ours: SideStats;
  /** The peers that have this case, in the order given. */
  peers: PeerResult[];
}

/** A peer's side of one case, to be set up by measurePair. */
export interface PeerSide {
  peer: string;
  make(): Promise<Side>;
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

/**
 * Sets up every side of `c` (ours first, then the peers in order), warms them up, then takes
 * interleaved rounds: ours and the peers in turn, the order reversed every round.
 */
export async function measurePair(c: CompareCase, ours: () => Promise<Side>, peers: PeerSide[], o: MeasureOptions): Promise<PairResult> {
  const a = await prepare(`${c.name} ours`, ours, o);
  const others: Live[] = [];
  for (const p of peers) others.push(await prepare(`${c.name} ${p.peer}`, () => p.make(), o));
  const all = [a, ...others];
  // Live memory once every side is set up and warmed up (TFJS sides share one engine's count).
  for (const l of all) if (l.side) l.memoryBefore = l.side.memory();
  const ratios: number[][] = others.map(() => []);
  // Rounds go on until `samples` rounds, or until every live side has minSamples and one has
  // spent budgetMs: all sides always get the same rounds.
  const live = () => all.filter((l) => l.side && !l.error);
  const spent = (l: Live) => l.samples.reduce((x, y) => x + y, 0) * l.iters;
  const minSamples = Math.min(o.samples, Math.max(o.minSamples, c.minSamples ?? 0));
  for (let round = 0; round < o.samples; round++) {
    const now = live();
    if (!now.length || (now.every((l) => l.samples.length >= minSamples) && now.some((l) => spent(l) > o.budgetMs))) break;
    const order = round % 2 === 0 ? all : [...all].reverse();
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
    others.forEach((b, i) => {
      if (took.has(a) && took.has(b)) ratios[i].push(took.get(a)! / took.get(b)!);
    });
  }
  // Every side's live memory after the timed runs, before any side is disposed.
  const after = all.map((l) => (l.side ? l.side.memory() : NaN));
  for (const l of all) {
    try {
      l.side?.dispose();
    } catch (e) {
      l.error ??= `dispose: ${message(e)}`;
    }
  }
  const oursStats = stats(a, c.flops, after[0]);
  const peerResults = others.map((b, i): PeerResult => {
    const theirs = stats(b, c.flops, after[i + 1]);
    const ok = !oursStats.error && !theirs.error && oursStats.samplesMs.length > 0 && theirs.samplesMs.length > 0;
    const ratio = ok ? oursStats.medianMs / theirs.medianMs : NaN;
    return {
      peer: peers[i].peer,
      stats: theirs,
      ratio,
      speedup: ok ? 1 / ratio : NaN,
      pairedRatio: ok && ratios[i].length ? percentile([...ratios[i]].sort((x, y) => x - y), 0.5) : NaN,
    };
  });
  return { name: c.name, group: c.group, flops: c.flops, ours: oursStats, peers: peerResults };
}
