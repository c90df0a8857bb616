// Test-metric table (BERT4Rec beside the most-popular baseline, full ranking and the paper's
// 100-negative sampled protocol) and the metrics.json document.
import { METRIC_LABELS, type RankingMetrics } from '../eval/metrics.js';

export interface ProtocolMetrics {
  full: RankingMetrics;
  sampled: RankingMetrics | null;
}

export interface TestReport {
  bert4rec: ProtocolMetrics;
  mostPopular: ProtocolMetrics;
}

type Key = keyof typeof METRIC_LABELS;

/** A fixed-width table: one row per metric, columns model/baseline per protocol. */
export function formatMetricsTable(r: TestReport, digits = 4): string {
  const cols: [string, RankingMetrics | null][] = [
    ['BERT4Rec full', r.bert4rec.full],
    ['MostPop full', r.mostPopular.full],
    ['BERT4Rec sampled', r.bert4rec.sampled],
    ['MostPop sampled', r.mostPopular.sampled],
  ];
  const present = cols.filter(([, m]) => m !== null) as [string, RankingMetrics][];
  const w0 = 8;
  const widths = present.map(([h]) => Math.max(h.length, digits + 2));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w0) : c.padStart(widths[i - 1]))).join('  ');
  const out = [line(['metric', ...present.map(([h]) => h)])];
  out.push(line(['-'.repeat(w0), ...widths.map((w) => '-'.repeat(w))]));
  for (const k of Object.keys(METRIC_LABELS) as Key[]) out.push(line([METRIC_LABELS[k], ...present.map(([, m]) => m[k].toFixed(digits))]));
  out.push(line(['users', ...present.map(([, m]) => String(m.users))]));
  return out.join('\n');
}

/** One row per metric of the plan; per protocol a model column (`bert4rec` holds the model's metrics, whichever it is) and a most-popular column. */
export function formatProtocolTable(protocols: { protocol: string; bert4rec: Record<string, number>; mostPopular: Record<string, number> | null }[], labels: { key: string; label: string }[], digits = 4, modelName = 'BERT4Rec'): string {
  const cols: [string, Record<string, number>][] = [];
  for (const p of protocols) {
    cols.push([`${modelName} ${p.protocol}`, p.bert4rec]);
    if (p.mostPopular) cols.push([`MostPop ${p.protocol}`, p.mostPopular]);
  }
  const w0 = Math.max(6, ...labels.map((l) => l.label.length));
  const widths = cols.map(([h]) => Math.max(h.length, digits + 2));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w0) : c.padStart(widths[i - 1]))).join('  ');
  const out = [line(['metric', ...cols.map(([h]) => h)]), line(['-'.repeat(w0), ...widths.map((w) => '-'.repeat(w))])];
  for (const l of labels) out.push(line([l.label, ...cols.map(([, m]) => (m[l.key] ?? NaN).toFixed(digits))]));
  return out.join('\n');
}

/**
 * Per-user ranks as TSV: one line per test user with the data's own user and item ids, then the
 * 1-based rank of the held-out item under each protocol (`users`/`targets` are dense indices).
 */
export function formatRanksTsv(perUser: { users: Int32Array; targets: Int32Array; ranks: Int32Array[] }, protocols: string[], ids: { userIds: ArrayLike<number>; itemIds: ArrayLike<number> }): string {
  if (perUser.ranks.length !== protocols.length) throw new RangeError(`formatRanksTsv: ${perUser.ranks.length} rank columns for ${protocols.length} protocols`);
  const lines = [['user_id', 'item_id', ...protocols.map((p) => `rank_${p}`)].join('\t')];
  perUser.users.forEach((u, k) => {
    lines.push([ids.userIds[u], ids.itemIds[perUser.targets[k]], ...perUser.ranks.map((r) => r[k])].join('\t'));
  });
  return `${lines.join('\n')}\n`;
}
