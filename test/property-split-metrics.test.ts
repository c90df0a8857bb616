// Property tests (fast-check) of the leave-one-out split and the ranking metrics, against
// their definitions: the split partitions each sequence into train | valid | test; ranks
// equal a brute-force count; the metrics stay in [0, 1], grow with k, and do not depend on the
// order of the users. Seeded (FUZZ_SEED) so failures reproduce.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../src/data/errors.js';
import type { Dataset } from '../src/data/preprocess.js';
import { leaveOneOut, trainingSequences } from '../src/data/split.js';
import { metricsFromRanks, ndcgAt } from '../src/eval/metrics.js';
import { rankFull, rankSampled } from '../src/eval/rank.js';

const runs = { seed: Number(process.env.FUZZ_SEED ?? 20261202), numRuns: 300 };
const sequences = fc.array(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }), { maxLength: 40 });
const dataset = (seqs: number[][]) => ({ numUsers: seqs.length, numItems: 50, userIds: Int32Array.from(seqs, (_, u) => u + 1), sequences: seqs.map((s) => Int32Array.from(s)) }) as unknown as Dataset;

describe('leave-one-out split', () => {
  it('train + valid + test is each user\'s sequence; short users counted; aligned with users', () => {
    fc.assert(
      fc.property(sequences, (seqs) => {
        if (seqs.every((s) => s.length < 2)) {
          expect(() => leaveOneOut(dataset(seqs))).toThrow(DatasetError); // nothing to train or test on
          return;
        }
        const split = leaveOneOut(dataset(seqs));
        expect(split.train.length).toBe(seqs.length);
        let dropped = 0;
        let noValid = 0;
        seqs.forEach((s, u) => {
          const n = s.length;
          if (n < 2) {
            dropped++;
            expect([...split.train[u]], `user ${u}`).toEqual([]);
            expect(split.test[u]).toBe(0);
            expect(split.valid[u]).toBe(0);
            return;
          }
          expect(split.test[u]).toBe(s[n - 1]);
          if (n === 2) {
            noValid++;
            expect(split.valid[u]).toBe(0);
            expect([...split.train[u]]).toEqual([s[0]]);
          } else {
            expect(split.valid[u]).toBe(s[n - 2]);
            expect([...split.train[u]]).toEqual(s.slice(0, n - 2));
          }
          // Training for the test run sees everything but the test item; never the test item itself.
          expect([...trainingSequences(split, true)[u]]).toEqual(s.slice(0, n - 1));
        });
        expect(split.droppedUsers).toBe(dropped);
        expect(split.usersWithoutValidation).toBe(noValid);
      }),
      runs,
    );
  });
});

describe('ranks', () => {
  const scoresAndTarget = fc.integer({ min: 1, max: 30 }).chain((V) =>
    fc.record({
      V: fc.constant(V),
      scores: fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -10, max: 10, noNaN: true })), { minLength: V + 1, maxLength: V + 1 }),
      target: fc.integer({ min: 1, max: V }),
      exclude: fc.uniqueArray(fc.integer({ min: 1, max: V }), { maxLength: V }),
    }),
  );

  it('rankFull is 1 + the candidates (not excluded, not the target) scored above the target; ties count against it when pessimistic', () => {
    fc.assert(
      fc.property(scoresAndTarget, ({ V, scores, target, exclude }) => {
        const s = scores[target];
        const rest = Array.from({ length: V }, (_, i) => i + 1).filter((i) => i !== target && !exclude.includes(i));
        const pess = 1 + rest.filter((i) => scores[i] >= s).length;
        const opt = 1 + rest.filter((i) => scores[i] > s).length;
        expect(rankFull(scores, 0, target, V, exclude)).toBe(pess);
        expect(rankFull(scores, 0, target, V, exclude, 'optimistic')).toBe(opt);
        // A NaN target is ranked last among the rankable items.
        const nan = scores.slice();
        nan[target] = NaN;
        expect(rankFull(nan, 0, target, V, exclude)).toBe(rest.length + 1);
      }),
      runs,
    );
  });

  it('rankSampled is 1 + the negatives scored above the target', () => {
    fc.assert(
      fc.property(scoresAndTarget, ({ V, scores, target }) => {
        const candidates = [target, ...Array.from({ length: V }, (_, i) => i + 1).filter((i) => i !== target)];
        expect(rankSampled(scores, 0, candidates)).toBe(1 + candidates.slice(1).filter((i) => scores[i] >= scores[target]).length);
        expect(rankSampled(scores, 0, candidates, 'optimistic')).toBe(1 + candidates.slice(1).filter((i) => scores[i] > scores[target]).length);
      }),
      runs,
    );
  });
});

describe('metrics', () => {
  const ranks = fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 200 });

  it('in [0, 1], non-decreasing in k, NDCG@k <= HR@k, equal to the per-user means, independent of user order', () => {
    fc.assert(
      fc.property(ranks, fc.integer(), (rs, shuffleSeed) => {
        const m = metricsFromRanks(rs);
        expect(m.users).toBe(rs.length);
        for (const k of ['hr1', 'hr5', 'hr10', 'hr20', 'ndcg5', 'ndcg10', 'ndcg20', 'mrr'] as const) {
          expect(m[k]).toBeGreaterThanOrEqual(0);
          expect(m[k]).toBeLessThanOrEqual(1);
        }
        expect(m.hr1).toBeLessThanOrEqual(m.hr5);
        expect(m.hr5).toBeLessThanOrEqual(m.hr10);
        expect(m.hr10).toBeLessThanOrEqual(m.hr20);
        expect(m.ndcg5).toBeLessThanOrEqual(m.ndcg10);
        expect(m.ndcg10).toBeLessThanOrEqual(m.ndcg20);
        expect(m.ndcg10).toBeLessThanOrEqual(m.hr10 + 1e-12);
        expect(m.hr10).toBeCloseTo(rs.filter((r) => r <= 10).length / rs.length, 12);
        expect(m.ndcg10).toBeCloseTo(rs.reduce((a, r) => a + (r <= 10 ? 1 / Math.log2(r + 1) : 0), 0) / rs.length, 12);
        expect(m.mrr).toBeCloseTo(rs.reduce((a, r) => a + 1 / r, 0) / rs.length, 12);
        const shuffled = rs.slice().sort((a, b) => ((a * 2654435761) ^ shuffleSeed) - ((b * 2654435761) ^ shuffleSeed));
        const m2 = metricsFromRanks(shuffled);
        for (const k of Object.keys(m) as (keyof typeof m)[]) expect(m2[k]).toBeCloseTo(m[k], 12);
      }),
      runs,
    );
  });

  it('rank 1 scores 1 everywhere; NDCG@k of one rank is 1/log2(rank+1) up to k, else 0; bad ranks are refused', () => {
    expect(Object.values(metricsFromRanks([1, 1, 1]))).toEqual([3, 1, 1, 1, 1, 1, 1, 1, 1]);
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), (r, k) => {
      expect(ndcgAt(r, k)).toBe(r <= k ? 1 / Math.log2(r + 1) : 0);
    }), runs);
    fc.assert(fc.property(fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true })), (bad) => {
      expect(() => metricsFromRanks([bad])).toThrow(RangeError);
    }), runs);
  });
});
