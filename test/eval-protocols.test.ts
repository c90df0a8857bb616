// Metrics @k with RecBole's definitions (one held-out item), the protocol, metric and
// cut-off parsers, and uniform vs popularity negatives.
import { describe, expect, it } from 'vitest';
import { leaveOneOut, parseInteractions, preprocess } from '../src/data/index.js';
import {
  EvalSpecError, buildEvalSet, computeMetrics, itemCounts, metricAtK, metricGrid, parseKs, parseMetricAtK, parseMetricNames,
  parseProtocols, protocolCandidates, rankFull, rankProtocols, type EvalBatch,
} from '../src/eval/index.js';

describe('metrics @k (RecBole definitions for one held-out item)', () => {
  it('match hand-computed values for ranks 1, 3, 12 and 13 at k = 12', () => {
    // rank 1: everything 1, precision 1/12.
    // rank 3: hit 1, ndcg 1/log2(4) = 0.5, mrr 1/3, precision 1/12, map (P@3 * rel_3) / min(1, 12) = (1/3) / 1.
    // rank 12: hit 1, ndcg 1/log2(13), mrr 1/12, map 1/12; rank 13: all 0 at k = 12.
    const grid = metricGrid(['hr', 'recall', 'precision', 'ndcg', 'mrr', 'map'], [12]);
    const at = (r: number) => computeMetrics([r], grid);
    expect(at(1)).toEqual({ 'hr@12': 1, 'recall@12': 1, 'precision@12': 1 / 12, 'ndcg@12': 1, 'mrr@12': 1, 'map@12': 1 });
    expect(at(3)).toEqual({ 'hr@12': 1, 'recall@12': 1, 'precision@12': 1 / 12, 'ndcg@12': 0.5, 'mrr@12': 1 / 3, 'map@12': 1 / 3 });
    const r12 = at(12);
    expect(r12['ndcg@12']).toBeCloseTo(1 / Math.log2(13), 15);
    expect([r12['mrr@12'], r12['map@12'], r12['hr@12']]).toEqual([1 / 12, 1 / 12, 1]);
    expect(Object.values(at(13))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('average over users', () => {
    // ranks 1, 2, 6 at k = 5: hr (1+1+0)/3, ndcg (1 + 1/log2(3))/3, mrr (1 + 1/2)/3, precision (2/5)/3.
    const m = computeMetrics([1, 2, 6], metricGrid(['hr', 'ndcg', 'mrr', 'precision'], [5]));
    expect(m['hr@5']).toBeCloseTo(2 / 3, 15);
    expect(m['ndcg@5']).toBeCloseTo((1 + 1 / Math.log2(3)) / 3, 15);
    expect(m['mrr@5']).toBeCloseTo(0.5, 15);
    expect(m['precision@5']).toBeCloseTo(2 / 15, 15);
    expect(computeMetrics([], [metricAtK('hr', 1)])).toEqual({ 'hr@1': 0 });
    expect(() => computeMetrics([0], [metricAtK('hr', 1)])).toThrow(/rank must be an integer >= 1/);
  });

  it('parse lists and name what is wrong', () => {
    expect(parseMetricNames('HR, hit ,recall,map')).toEqual(['hr', 'recall', 'map']);
    expect(parseKs('20,1,5,5')).toEqual([1, 5, 20]);
    expect(parseMetricAtK('MAP@12')).toMatchObject({ name: 'map', k: 12, key: 'map@12', label: 'MAP@12' });
    expect(() => parseMetricNames('hr,auc')).toThrow(/unknown metric 'auc' \(known: hr, recall, precision, ndcg, mrr, map\)/);
    expect(() => parseKs('5,0')).toThrow(/cut-off '0' is not a positive integer/);
    expect(() => parseKs('5,x')).toThrow(EvalSpecError);
    expect(() => parseMetricAtK('ndcg')).toThrow(/expected METRIC@K/);
  });

  it('parse protocols, RecBole spellings included', () => {
    expect(parseProtocols('full,popularity:100,uniform:50')).toEqual([{ kind: 'full' }, { kind: 'popularity', count: 100 }, { kind: 'uniform', count: 50 }]);
    expect(parseProtocols('uni100,pop50')).toEqual([{ kind: 'uniform', count: 100 }, { kind: 'popularity', count: 50 }]);
    expect(() => parseProtocols('full,sampled')).toThrow(/unknown protocol 'sampled'/);
    expect(() => parseProtocols('uniform:0')).toThrow(/must be >= 1/);
    expect(() => parseProtocols('uni50,uniform:50')).toThrow(/listed twice/);
  });
});

describe('ties', () => {
  it('pessimistic puts the target below equal scores, optimistic above', () => {
    const scores = Float32Array.from([0, 0.5, 0.5, 0.5, 0.1, 0]); // items 1..4
    expect(rankFull(scores, 0, 2, 4, [])).toBe(3);
    expect(rankFull(scores, 0, 2, 4, [], 'optimistic')).toBe(1);
  });
});

describe('sampled protocols', () => {
  // 40 users over 60 items with a skewed popularity: items 1..10 appear far more often.
  const lines: string[] = [];
  for (let u = 1; u <= 40; u++) for (let t = 0; t < 12; t++) lines.push(`${u} ${t % 3 === 0 ? 1 + ((u * 7 + t) % 60) : 1 + ((u + t) % 10)}`);
  const ds = preprocess(parseInteractions(lines.join('\n'), { fileName: 'x.txt', format: 'user-item' }), { minItemCount: 1, minUserCount: 1 });
  const set = buildEvalSet(leaveOneOut(ds), 'test', 8);
  const pop = itemCounts(ds.sequences, ds.numItems);

  it('draw N negatives never in the user sequence, the target first, deterministic per seed', () => {
    for (const kind of ['uniform', 'popularity'] as const) {
      const c = protocolCandidates(set, { kind, count: 20 }, pop, 5)!;
      c.forEach((list, k) => {
        expect(list[0]).toBe(set.targets[k]);
        const negatives = Array.from(list.subarray(1));
        expect(new Set(negatives).size).toBe(negatives.length);
        for (const i of negatives) expect(set.interacted[k].includes(i)).toBe(false);
        expect(negatives.length).toBe(Math.min(20, ds.numItems - set.interacted[k].length));
      });
      expect(protocolCandidates(set, { kind, count: 20 }, pop, 5)).toEqual(c);
      expect(protocolCandidates(set, { kind, count: 20 }, pop, 6)).not.toEqual(c);
    }
  });

  it('uniform negatives are not popularity-weighted', () => {
    const popular = (kind: 'uniform' | 'popularity') => {
      const c = protocolCandidates(set, { kind, count: 10 }, pop, 1)!;
      let top = 0;
      let all = 0;
      for (const list of c) for (const i of list.subarray(1)) { all++; if (pop[i] >= 20) top++; }
      return top / all;
    };
    expect(popular('popularity')).toBeGreaterThan(popular('uniform') + 0.1);
  });

  it('rankProtocols ranks every protocol from one scoring pass', async () => {
    const cands = protocolCandidates(set, { kind: 'uniform', count: 5 }, pop, 2)!;
    let calls = 0;
    // Scores: item id itself, so higher ids rank first.
    const scorer = (b: EvalBatch) => {
      calls++;
      const out = new Float32Array(b.size * (ds.numItems + 2));
      for (let r = 0; r < b.size; r++) for (let i = 1; i <= ds.numItems; i++) out[r * (ds.numItems + 2) + i] = i;
      return out;
    };
    const [full, sampled] = await rankProtocols(set, scorer, [null, cands], { batchSize: 1000 });
    expect(calls).toBe(1);
    set.targets.forEach((t, k) => {
      const above = Array.from(cands[k].subarray(1)).filter((i) => i > t).length;
      expect(sampled[k]).toBe(above + 1);
      expect(full[k]).toBe(rankFull(Float32Array.from({ length: ds.numItems + 2 }, (_, i) => i), 0, t, ds.numItems, set.exclude[k]));
    });
  });
});
