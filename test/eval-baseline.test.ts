// Most-popular baseline on ML-1M (needs ../shared/datasets, absent from a clean clone, so skipped
// there; the loaders and metrics it uses have their own tests): the sampled protocol should land
// near the BERT4Rec paper's POP row (Table 2, ML-1M: HR@10 0.1358, NDCG@10 0.0621, MRR 0.0627).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { leaveOneOut, parseInteractions, preprocess, trainingSequences } from '../src/data/index.js';
import { buildEvalSet, buildSampledCandidates, evaluateMostPopular, formatMetrics, itemCounts, mostPopularScores } from '../src/eval/index.js';

const file = new URL('../../shared/datasets/ml-1m/ratings_reconstructed.dat.gz', import.meta.url).pathname;

describe.skipIf(!existsSync(file))('most-popular baseline on ML-1M', () => {
  it('matches the paper POP numbers on the popularity-sampled protocol', () => {
    const ds = preprocess(parseInteractions(new Uint8Array(readFileSync(file)), { fileName: file }));
    const split = leaveOneOut(ds);
    const test = buildEvalSet(split, 'test', 200);
    const candidates = buildSampledCandidates(test, itemCounts(ds.sequences, ds.numItems), { seed: 42 });
    expect(candidates.every((c) => c.length === 101)).toBe(true);
    const scores = mostPopularScores(itemCounts(trainingSequences(split, true), ds.numItems));
    const r = evaluateMostPopular(test, scores, { sampled: candidates });
    console.log(`POP test, full ranking: ${formatMetrics(r.full)}\nPOP test, 100 popularity-sampled negatives: ${formatMetrics(r.sampled!)}`);
    expect(r.sampled!.users).toBe(6040);
    expect(r.sampled!.hr10).toBeGreaterThan(0.12);
    expect(r.sampled!.hr10).toBeLessThan(0.16);
    expect(r.sampled!.ndcg10).toBeGreaterThan(0.055);
    expect(r.sampled!.ndcg10).toBeLessThan(0.075);
    expect(r.sampled!.mrr).toBeGreaterThan(0.055);
    expect(r.sampled!.mrr).toBeLessThan(0.075);
    // Full ranking over 3,416 items is much harder than 1-in-101.
    expect(r.full.hr10).toBeLessThan(r.sampled!.hr10 / 2);
  });
});
