// Top-k next items for one history: score the MASK appended after the last L-1 items,
// rank items 1..V without the history's items.
import type { EvalBatch } from '../eval/inputs.js';
import type { SequenceRecommender } from './recommender.js';
import { scoreBatch } from './score.js';

export interface Recommendation {
  /** Dense item id (1..V). */
  item: number;
  score: number;
}

export async function recommendTopK(model: SequenceRecommender, history: Int32Array, k: number): Promise<Recommendation[]> {
  const L = model.config.maxLen;
  const V = model.numItems;
  const h = history.subarray(Math.max(0, history.length - (L - 1)));
  const ids = new Int32Array(L);
  const keyMask = new Int32Array(L);
  ids.set(h, L - 1 - h.length);
  ids[L - 1] = V + 1;
  keyMask.fill(1, L - 1 - h.length);
  const batch: EvalBatch = { size: 1, maxLen: L, ids, keyMask, rows: Int32Array.of(L - 1), index: Int32Array.of(0) };
  const scores = await scoreBatch(model, batch, 1);
  const seen = new Set(history);
  const items: Recommendation[] = [];
  for (let i = 1; i <= V; i++) if (!seen.has(i)) items.push({ item: i, score: scores[i] });
  items.sort((a, b) => b.score - a.score || a.item - b.item);
  return items.slice(0, k);
}
