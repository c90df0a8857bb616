// Evaluation driver: batches the EvalSet, asks a scorer for item scores, ranks, aggregates.
import { evalBatchOf, type EvalBatch, type EvalSet } from './inputs.js';
import { metricsFromRanks, type RankingMetrics } from './metrics.js';
import { rankFull, rankSampled, type TieRule } from './rank.js';

/**
 * Returns scores for a batch as a row-major [batch.size, stride] array where element
 * b * stride + i is item i's score for row b (stride >= numItems + 1; columns 0 = PAD and
 * numItems + 1 = MASK are ignored).
 */
export type Scorer = (batch: EvalBatch) => Float32Array | Promise<Float32Array>;

export interface EvaluateOptions {
  batchSize?: number;
  /** Candidate lists from buildSampledCandidates (same order as the set); null/undefined: full ranking only. */
  sampled?: Int32Array[] | null;
  ties?: TieRule;
  onProgress?: (done: number, total: number) => void;
  /**
   * > 0: score users in order of history length, each batch only as wide as its longest
   * history + MASK rounded up to a multiple of this (at most set.maxLen). Default 0: set order,
   * full width. The metrics do not depend on it beyond float rounding.
   */
  lengthBucket?: number;
}

export interface EvaluationResult {
  stage: EvalSet['stage'];
  full: RankingMetrics;
  sampled: RankingMetrics | null;
  /** Per user of the set: rank over all items (history excluded), and among the sampled candidates. */
  fullRanks: Int32Array;
  sampledRanks: Int32Array | null;
}

export async function evaluate(set: EvalSet, scorer: Scorer, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const sampled = options.sampled ?? null;
  const [fullRanks, sampledRanks] = await rankProtocols(set, scorer, [null, sampled], options);
  return {
    stage: set.stage,
    full: metricsFromRanks(fullRanks),
    sampled: sampledRanks ? metricsFromRanks(sampledRanks) : null,
    fullRanks,
    sampledRanks: sampled ? sampledRanks : null,
  };
}

/**
 * Scores every user of the set once and ranks the target under each protocol: per entry of
 * `protocols`, null = full ranking (history excluded), else candidate lists from
 * buildSampledCandidates (same order as the set). Returns one rank array per protocol.
 */
export async function rankProtocols(set: EvalSet, scorer: Scorer, protocols: (Int32Array[] | null)[], options: Omit<EvaluateOptions, 'sampled'> = {}): Promise<Int32Array[]> {
  const n = set.users.length;
  const bs = options.batchSize ?? 256;
  for (const c of protocols) if (c && c.length !== n) throw new RangeError(`evaluate: ${c.length} candidate lists for ${n} users`);
  const ranks = protocols.map(() => new Int32Array(n));
  const bucket = options.lengthBucket ?? 0;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (bucket > 0) order.sort((a, b) => set.inputs[a].length - set.inputs[b].length || a - b);
  for (let from = 0; from < n; from += bs) {
    const index = order.subarray(from, Math.min(n, from + bs));
    let width = set.maxLen;
    if (bucket > 0) {
      let longest = 0;
      for (const k of index) longest = Math.max(longest, set.inputs[k].length);
      width = Math.min(set.maxLen, Math.ceil((longest + 1) / bucket) * bucket);
    }
    const batch = evalBatchOf(set, index, width);
    const scores = await scorer(batch);
    const stride = scores.length / batch.size;
    if (!Number.isInteger(stride) || stride < set.numItems + 1) {
      throw new RangeError(`evaluate: scorer returned ${scores.length} scores for ${batch.size} rows; expected [${batch.size}, >= ${set.numItems + 1}]`);
    }
    for (let b = 0; b < batch.size; b++) {
      const k = index[b];
      protocols.forEach((c, p) => {
        ranks[p][k] = c ? rankSampled(scores, b * stride, c[k], options.ties) : rankFull(scores, b * stride, set.targets[k], set.numItems, set.exclude[k], options.ties);
      });
    }
    options.onProgress?.(Math.min(n, from + bs), n);
  }
  return ranks;
}

/** rankProtocols for a score row shared by every user (the most-popular baseline). */
export function rankProtocolsShared(set: EvalSet, scores: Float32Array, protocols: (Int32Array[] | null)[], ties?: TieRule): Int32Array[] {
  const n = set.users.length;
  return protocols.map((c) => {
    const r = new Int32Array(n);
    for (let k = 0; k < n; k++) r[k] = c ? rankSampled(scores, 0, c[k], ties) : rankFull(scores, 0, set.targets[k], set.numItems, set.exclude[k], ties);
    return r;
  });
}

/** The most-popular baseline on the same protocols: the same score row for every user. */
export function evaluateMostPopular(set: EvalSet, scores: Float32Array, options: Omit<EvaluateOptions, 'batchSize' | 'onProgress'> = {}): EvaluationResult {
  const sampled = options.sampled ?? null;
  const [fullRanks, sampledRanks] = rankProtocolsShared(set, scores, sampled ? [null, sampled] : [null], options.ties);
  return { stage: set.stage, full: metricsFromRanks(fullRanks), sampled: sampledRanks ? metricsFromRanks(sampledRanks) : null, fullRanks, sampledRanks: sampledRanks ?? null };
}
