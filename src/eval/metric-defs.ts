// Metrics @k for one held-out item per user, with RecBole's definitions (recbole/evaluator/metrics.py)
// specialised to a single relevant item at 1-based rank r:
//   hr@k        = 1 if r <= k                       (RecBole "Hit")
//   recall@k    = hits / |relevant| = hr@k           (one relevant item)
//   precision@k = hits / k = hr@k / k
//   ndcg@k      = 1 / log2(r + 1) if r <= k          (IDCG = 1)
//   mrr@k       = 1 / r if r <= k, else 0            (RecBole truncates MRR at k)
//   map@k       = sum_{i<=k} rel_i * P@i / min(|relevant|, k) = 1 / r if r <= k  (= mrr@k here)
// Ranks come from rank.ts, which states the tie rule.
import { hitAt, ndcgAt } from './metrics.js';

export const METRIC_NAMES = ['hr', 'recall', 'precision', 'ndcg', 'mrr', 'map'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

const LABELS: Record<MetricName, string> = { hr: 'HR', recall: 'Recall', precision: 'Precision', ndcg: 'NDCG', mrr: 'MRR', map: 'MAP' };

/** One metric at one cut-off, e.g. { name: 'ndcg', k: 10, key: 'ndcg@10', label: 'NDCG@10' }. */
export interface MetricAtK {
  name: MetricName;
  k: number;
  key: string;
  label: string;
}

/** A malformed metric, cut-off or protocol specification. */
export class EvalSpecError extends Error {
  override name = 'EvalSpecError';
}

export function metricAtK(name: MetricName, k: number): MetricAtK {
  return { name, k, key: `${name}@${k}`, label: `${LABELS[name]}@${k}` };
}

/** The metric's value for one user whose held-out item has 1-based rank `rank`. */
export function metricValue(name: MetricName, rank: number, k: number): number {
  if (rank > k) return 0;
  switch (name) {
    case 'hr':
    case 'recall':
      return hitAt(rank, k);
    case 'precision':
      return 1 / k;
    case 'ndcg':
      return ndcgAt(rank, k);
    case 'mrr':
    case 'map':
      return 1 / rank;
  }
}

/** "hr,recall,ndcg" -> ['hr', 'recall', 'ndcg'] ("hit" is accepted for hr). */
export function parseMetricNames(text: string): MetricName[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (!names.length) throw new EvalSpecError(`expected a comma-separated list of metrics (${METRIC_NAMES.join(', ')}), got '${text}'`);
  const out: MetricName[] = [];
  for (const raw of names) {
    const n = raw === 'hit' ? 'hr' : raw;
    if (!(METRIC_NAMES as readonly string[]).includes(n)) throw new EvalSpecError(`unknown metric '${raw}' (known: ${METRIC_NAMES.join(', ')})`);
    if (!out.includes(n as MetricName)) out.push(n as MetricName);
  }
  return out;
}

/** "1,5,10" -> [1, 5, 10] (positive integers, sorted, without repeats). */
export function parseKs(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new EvalSpecError(`expected a comma-separated list of cut-offs k, got '${text}'`);
  const ks = parts.map((s) => {
    const k = Number(s);
    if (!/^\d+$/.test(s) || !Number.isInteger(k) || k < 1) throw new EvalSpecError(`cut-off '${s}' is not a positive integer`);
    return k;
  });
  return [...new Set(ks)].sort((a, b) => a - b);
}

/** "ndcg@10" -> the metric (the cut-off is required). */
export function parseMetricAtK(text: string): MetricAtK {
  const m = /^\s*([a-z]+)@(\d+)\s*$/i.exec(text);
  if (!m) throw new EvalSpecError(`expected METRIC@K such as ndcg@10 or map@12, got '${text}'`);
  const [name] = parseMetricNames(m[1]);
  const k = Number(m[2]);
  if (k < 1) throw new EvalSpecError(`cut-off in '${text}' must be >= 1`);
  return metricAtK(name, k);
}

/** Every metric at every cut-off, metric-major: hr@1, hr@5, ..., ndcg@1, ... */
export function metricGrid(names: MetricName[], ks: number[]): MetricAtK[] {
  return names.flatMap((n) => ks.map((k) => metricAtK(n, k)));
}

/** Means over users of each metric, keyed by MetricAtK.key (all 0 when there are no ranks). */
export function computeMetrics(ranks: ArrayLike<number>, metrics: MetricAtK[]): Record<string, number> {
  const out: Record<string, number> = {};
  const n = ranks.length;
  for (const m of metrics) {
    let s = 0;
    for (let u = 0; u < n; u++) {
      const r = ranks[u];
      if (!(r >= 1) || !Number.isInteger(r)) throw new RangeError(`computeMetrics: rank must be an integer >= 1, got ${r} (user ${u})`);
      s += metricValue(m.name, r, m.k);
    }
    out[m.key] = n ? s / n : 0;
  }
  return out;
}
