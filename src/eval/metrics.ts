// Ranking metrics from the 1-based rank of the held-out item.
//   HR@k   = 1 if rank <= k
//   NDCG@k = 1 / log2(rank + 1) if rank <= k (one relevant item, so IDCG = 1)
//   MRR    = 1 / rank

export interface RankingMetrics {
  users: number;
  hr1: number;
  hr5: number;
  hr10: number;
  hr20: number;
  ndcg5: number;
  ndcg10: number;
  ndcg20: number;
  mrr: number;
}

export const METRIC_LABELS: Record<Exclude<keyof RankingMetrics, 'users'>, string> = {
  hr1: 'HR@1', hr5: 'HR@5', hr10: 'HR@10', hr20: 'HR@20', ndcg5: 'NDCG@5', ndcg10: 'NDCG@10', ndcg20: 'NDCG@20', mrr: 'MRR',
};

export function hitAt(rank: number, k: number): number {
  return rank <= k ? 1 : 0;
}

export function ndcgAt(rank: number, k: number): number {
  return rank <= k ? 1 / Math.log2(rank + 1) : 0;
}

export class MetricsAccumulator {
  private n = 0;
  private sums = { hr1: 0, hr5: 0, hr10: 0, hr20: 0, ndcg5: 0, ndcg10: 0, ndcg20: 0, mrr: 0 };

  add(rank: number): void {
    if (!(rank >= 1) || !Number.isInteger(rank)) throw new RangeError(`MetricsAccumulator.add: rank must be an integer >= 1, got ${rank}`);
    const s = this.sums;
    this.n++;
    s.hr1 += hitAt(rank, 1);
    s.hr5 += hitAt(rank, 5);
    s.hr10 += hitAt(rank, 10);
    s.hr20 += hitAt(rank, 20);
    s.ndcg5 += ndcgAt(rank, 5);
    s.ndcg10 += ndcgAt(rank, 10);
    s.ndcg20 += ndcgAt(rank, 20);
    s.mrr += 1 / rank;
  }

  /** Means over the ranks added (all zero when none were). */
  result(): RankingMetrics {
    const d = this.n || 1;
    const s = this.sums;
    return {
      users: this.n,
      hr1: s.hr1 / d, hr5: s.hr5 / d, hr10: s.hr10 / d, hr20: s.hr20 / d,
      ndcg5: s.ndcg5 / d, ndcg10: s.ndcg10 / d, ndcg20: s.ndcg20 / d, mrr: s.mrr / d,
    };
  }
}

export function metricsFromRanks(ranks: ArrayLike<number>): RankingMetrics {
  const acc = new MetricsAccumulator();
  for (let i = 0; i < ranks.length; i++) acc.add(ranks[i]);
  return acc.result();
}

/** "HR@1 0.1234  HR@5 ...  MRR 0.2345  (6040 users)" */
export function formatMetrics(m: RankingMetrics, digits = 4): string {
  const parts = (Object.keys(METRIC_LABELS) as (keyof typeof METRIC_LABELS)[]).map((k) => `${METRIC_LABELS[k]} ${m[k].toFixed(digits)}`);
  return `${parts.join('  ')}  (${m.users} users)`;
}
