import { describe, expect, it } from 'vitest';
import { Rng, leaveOneOut, parseInteractions, preprocess } from '../src/data/index.js';
import {
  MetricsAccumulator, buildEvalSet, buildSampledCandidates, evalBatch, evaluate, evaluateMostPopular, formatMetrics, itemCounts,
  metricsFromRanks, mostPopularScores, ndcgAt, rankFull, rankSampled, sampleNegatives, type EvalBatch,
} from '../src/eval/index.js';

describe('metrics from the rank', () => {
  it('match hand-computed values', () => {
    const m = (rank: number) => metricsFromRanks([rank]);
    expect(m(1)).toEqual({ users: 1, hr1: 1, hr5: 1, hr10: 1, hr20: 1, ndcg5: 1, ndcg10: 1, ndcg20: 1, mrr: 1 });
    expect(m(3)).toEqual({ users: 1, hr1: 0, hr5: 1, hr10: 1, hr20: 1, ndcg5: 0.5, ndcg10: 0.5, ndcg20: 0.5, mrr: 1 / 3 });
    const r7 = m(7); // 1 / log2(8) = 1/3
    expect([r7.hr5, r7.hr10, r7.ndcg5]).toEqual([0, 1, 0]);
    expect(r7.ndcg10).toBeCloseTo(1 / 3, 15);
    const r20 = m(20);
    expect([r20.hr10, r20.hr20, r20.ndcg10]).toEqual([0, 1, 0]);
    expect(r20.ndcg20).toBeCloseTo(1 / Math.log2(21), 15);
    expect(m(21)).toEqual({ users: 1, hr1: 0, hr5: 0, hr10: 0, hr20: 0, ndcg5: 0, ndcg10: 0, ndcg20: 0, mrr: 1 / 21 });
    const two = metricsFromRanks([1, 3]);
    expect([two.users, two.hr1, two.hr5, two.ndcg5, two.mrr]).toEqual([2, 0.5, 1, 0.75, (1 + 1 / 3) / 2]);
    expect(ndcgAt(2, 5)).toBeCloseTo(1 / Math.log2(3), 15);
    expect(formatMetrics(two)).toBe('HR@1 0.5000  HR@5 1.0000  HR@10 1.0000  HR@20 1.0000  NDCG@5 0.7500  NDCG@10 0.7500  NDCG@20 0.7500  MRR 0.6667  (2 users)');
    expect(new MetricsAccumulator().result().users).toBe(0);
    expect(() => new MetricsAccumulator().add(0)).toThrow(/rank must be an integer >= 1/);
  });
});

describe('ranking', () => {
  //                        pad  1    2    3    4    5    mask
  const scores = Float32Array.from([9, 0.1, 0.9, 0.5, 0.7, 0.3, 9]);

  it('ranks over all items, leaving out the history but never the target', () => {
    expect(rankFull(scores, 0, 3, 5, [])).toBe(3); // items 2 and 4 score higher; PAD and MASK columns ignored
    expect(rankFull(scores, 0, 3, 5, [2])).toBe(2);
    expect(rankFull(scores, 0, 3, 5, [2, 4, 1])).toBe(1);
    expect(rankFull(scores, 0, 3, 5, [3])).toBe(3); // the target stays rankable
    expect(rankFull(scores, 0, 2, 5, [])).toBe(1);
    expect(rankFull(scores, 0, 1, 5, [])).toBe(5);
    const two = Float32Array.from([...scores, ...Array.from(scores, (x) => -x)]); // row 1 reversed
    expect(rankFull(two, 7, 1, 5, [])).toBe(1);
    expect(() => rankFull(scores, 0, 6, 5, [])).toThrow(/target 6 is not an item id in 1\.\.5/);
  });

  it('handles ties pessimistically by default (optimistic on request) and NaN as the worst rank', () => {
    const tied = Float32Array.from([0, 0.5, 0.9, 0.5, 0.5, 0.3, 0]);
    expect(rankFull(tied, 0, 3, 5, [])).toBe(4); // 2 higher + 2 equal
    expect(rankFull(tied, 0, 3, 5, [], 'optimistic')).toBe(2);
    expect(rankFull(tied, 0, 3, 5, [1])).toBe(3);
    const constant = new Float32Array(7);
    expect(rankFull(constant, 0, 2, 5, [4])).toBe(4); // every remaining item ties: worst place
    const nan = Float32Array.from([0, 0.1, NaN, 0.5, NaN, 0.3, 0]);
    expect(rankFull(nan, 0, 2, 5, [1])).toBe(4);
    expect(rankFull(nan, 0, 3, 5, [])).toBe(1); // NaN candidates never rank above
    expect(rankSampled(tied, 0, [3, 1, 5, 4])).toBe(3);
    expect(rankSampled(tied, 0, [3, 1, 5, 4], 'optimistic')).toBe(1);
    expect(rankSampled(scores, 0, [4, 1, 2, 5])).toBe(2);
    expect(rankSampled(nan, 0, [2, 1, 5])).toBe(3);
  });
});

describe('popularity-sampled negatives', () => {
  it('never draws the target, the history, zero-weight items or duplicates, and is seeded', () => {
    const V = 300;
    const w = Float64Array.from({ length: V + 2 }, (_, i) => (i === 0 || i > V ? 0 : i % 7 === 0 ? 0 : 1 + (i % 13)));
    const history = Int32Array.from({ length: 50 }, (_, k) => 3 * k + 1);
    const neg = sampleNegatives(w, V, history, 5, 100, new Rng(1, 2));
    expect(neg.length).toBe(100);
    expect(new Set(neg).size).toBe(100);
    for (const i of neg) {
      expect(i >= 1 && i <= V && i !== 5 && i % 7 !== 0 && !history.includes(i)).toBe(true);
    }
    expect(Array.from(sampleNegatives(w, V, history, 5, 100, new Rng(1, 2)))).toEqual(Array.from(neg));
    expect(Array.from(sampleNegatives(w, V, history, 5, 100, new Rng(1, 3)))).not.toEqual(Array.from(neg));
    // fewer eligible items than asked: all of them
    expect(Array.from(sampleNegatives([0, 1, 1, 0, 1], 4, [2], 1, 100, new Rng(0)))).toEqual([4]);
  });

  it('draws proportionally to popularity, without replacement', () => {
    // weights 1, 2, 3; pairs drawn sequentially: P{2,3} = 2/6*3/4 + 3/6*2/3 = 7/12,
    // P{1,3} = 1/6*3/5 + 3/6*1/3 = 4/15, P{1,2} = 1/6*2/5 + 2/6*1/4 = 3/20.
    const n = 20_000;
    const counts: Record<string, number> = {};
    for (let k = 0; k < n; k++) {
      const key = Array.from(sampleNegatives([0, 1, 2, 3], 3, [], 0, 2, new Rng(9, k))).join(',');
      counts[key] = (counts[key] ?? 0) + 1;
    }
    // binomial std <= 0.0035 at n = 20,000: 0.015 is > 4 std
    expect(Math.abs(counts['2,3'] / n - 7 / 12)).toBeLessThan(0.015);
    expect(Math.abs(counts['1,3'] / n - 4 / 15)).toBeLessThan(0.015);
    expect(Math.abs(counts['1,2'] / n - 3 / 20)).toBeLessThan(0.015);
    // single draws: frequency ~ weight among the allowed items (item 2 excluded: 1/4, 3/4)
    let threes = 0;
    for (let k = 0; k < n; k++) if (sampleNegatives([0, 1, 2, 3], 3, [2], 0, 1, new Rng(8, k))[0] === 3) threes++;
    expect(Math.abs(threes / n - 0.75)).toBeLessThan(0.015);
  });
});

describe('evaluation inputs and driver', () => {
  // user 1: 1..7 (train 1..5, valid 6, test 7); user 2: 2 items (no validation); user 3: 3 items
  const text = '1 1\n1 2\n1 3\n1 4\n1 5\n1 6\n1 7\n2 3\n2 8\n3 2\n3 2\n3 9\n';
  const ds = preprocess(parseInteractions(text, { fileName: 'e.txt' }), { minItemCount: 0, minUserCount: 0 });
  const split = leaveOneOut(ds);

  it('builds history + MASK inputs truncated to the last L, with the exclusion lists', () => {
    const valid = buildEvalSet(split, 'valid', 4);
    expect(Array.from(valid.users)).toEqual([0, 2]); // user 2 has no validation item
    expect(Array.from(valid.targets)).toEqual([6, 2]);
    expect(valid.inputs.map((x) => Array.from(x))).toEqual([[3, 4, 5], [2]]); // last L-1 = 3 of 1..5
    expect(valid.exclude.map((x) => Array.from(x))).toEqual([[1, 2, 3, 4, 5], []]); // repeat of the target 2 stays rankable
    const test = buildEvalSet(split, 'test', 4);
    expect(Array.from(test.users)).toEqual([0, 1, 2]);
    expect(Array.from(test.targets)).toEqual([7, 8, 9]);
    expect(test.inputs.map((x) => Array.from(x))).toEqual([[4, 5, 6], [3], [2, 2]]);
    expect(test.exclude.map((x) => Array.from(x))).toEqual([[1, 2, 3, 4, 5, 6], [3], [2]]);
    expect(test.interacted.map((x) => Array.from(x))).toEqual([[1, 2, 3, 4, 5, 6, 7], [3, 8], [2, 9]]);
    const b = evalBatch(test, 1, 10);
    const M = ds.maskId;
    expect(b.size).toBe(2);
    expect(Array.from(b.ids)).toEqual([0, 0, 3, M, 0, 2, 2, M]);
    expect(Array.from(b.keyMask)).toEqual([0, 0, 1, 1, 0, 1, 1, 1]);
    expect(Array.from(b.rows)).toEqual([3, 7]);
    expect(Array.from(b.index)).toEqual([1, 2]);
  });

  it('evaluate() ranks scorer output per protocol; the most-popular baseline agrees with it', async () => {
    const test = buildEvalSet(split, 'test', 4);
    const V = ds.numItems;
    expect(V).toBe(9);
    // Scores favour low ids: item i scores -i, so ranks follow the id among non-excluded items.
    const scorer = (b: EvalBatch) => {
      const out = new Float32Array(b.size * (V + 2));
      for (let r = 0; r < b.size; r++) for (let i = 0; i <= V + 1; i++) out[r * (V + 2) + i] = -i;
      return out;
    };
    const cands = [Int32Array.from([7, 8, 9]), Int32Array.from([8, 1, 2]), Int32Array.from([9, 1])];
    const res = await evaluate(test, scorer, { batchSize: 2, sampled: cands });
    // user 1: target 7, excluded 1..6 -> only 7, 8, 9 left: rank 1. user 2: target 8, excluded 3 -> 1,2,4..7 ahead: 7.
    // user 3: target 9, excluded 2 -> 1,3..8 ahead: 8.
    expect(Array.from(res.fullRanks)).toEqual([1, 7, 8]);
    expect(Array.from(res.sampledRanks!)).toEqual([1, 3, 2]);
    expect(res.full.hr1).toBeCloseTo(1 / 3, 12);
    expect(res.full.ndcg10).toBeCloseTo((1 + 1 / Math.log2(8) + 1 / Math.log2(9)) / 3, 12);
    const progress: number[] = [];
    await evaluate(test, scorer, { batchSize: 2, onProgress: (d) => progress.push(d) });
    expect(progress).toEqual([2, 3]);
    await expect(evaluate(test, () => new Float32Array(3))).rejects.toThrow(/expected \[3, >= 10\]/);

    const pop = mostPopularScores(itemCounts(split.train, V));
    const base = evaluateMostPopular(test, pop, { sampled: cands });
    const viaDriver = await evaluate(test, (b) => { const o = new Float32Array(b.size * pop.length); for (let r = 0; r < b.size; r++) o.set(pop, r * pop.length); return o; }, { sampled: cands });
    expect(Array.from(base.fullRanks)).toEqual(Array.from(viaDriver.fullRanks));
    expect(Array.from(base.sampledRanks!)).toEqual(Array.from(viaDriver.sampledRanks!));
    // train counts: item 2 x2 (users 1 and 3), items 1, 3, 4, 5 x1, others 0.
    // user 2 (target 8, count 0, history 3): 1, 2, 4, 5 above, 6, 7, 9 tie -> pessimistic rank 8.
    expect(base.fullRanks[1]).toBe(8);
  });

  it('builds sampled candidate lists: target first, never an interacted item, deterministic per seed', () => {
    const test = buildEvalSet(split, 'test', 4);
    const w = itemCounts(ds.sequences, ds.numItems);
    const a = buildSampledCandidates(test, w, { seed: 3, count: 3 });
    expect(a.map((c) => c[0])).toEqual([7, 8, 9]);
    expect(a[0].length).toBe(3); // only items 8 and 9 are eligible for user 1
    for (let k = 0; k < a.length; k++) for (const i of a[k].subarray(1)) expect(test.interacted[k].includes(i)).toBe(false);
    expect(buildSampledCandidates(test, w, { seed: 3, count: 3 }).map((c) => Array.from(c))).toEqual(a.map((c) => Array.from(c)));
  });
});
