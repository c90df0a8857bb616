// Top-k recommendations for every user of a checkpoint (npm run recommend -- --all-users):
// batched forward passes over each user's whole history (the last L-1 items + MASK), written
// as CSV (user,rank,item,score,title) or JSON lines ({user, items, scores, titles}).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { IdMaps } from '../data/idmaps.js';
import type { MovieCatalog } from '../data/movies.js';
import { evalBatchOf, type EvalSet } from '../eval/inputs.js';
import type { Scorer } from '../eval/evaluate.js';

export interface AllUsersOptions {
  ids: IdMaps;
  sequences: Int32Array[];
  maxLen: number;
  k: number;
  scorer: Scorer;
  /** Users per scorer call. */
  batchSize: number;
  out: string;
  format: 'csv' | 'jsonl';
  /** Recommend items the user already has (default false: the history is excluded). */
  includeHistory: boolean;
  movies: MovieCatalog | null;
  onProgress?: (done: number, total: number) => void;
}

/** Top-k dense items of one score row (ids 1..V), skipping `skip`; ties by ascending id. */
export function topK(scores: Float32Array, offset: number, numItems: number, k: number, skip: Set<number> | null): { item: number; score: number }[] {
  const best: { item: number; score: number }[] = [];
  for (let i = 1; i <= numItems; i++) {
    if (skip?.has(i)) continue;
    const s = scores[offset + i];
    if (Number.isNaN(s)) continue;
    if (best.length === k && !(s > best[k - 1].score)) continue;
    let j = best.length < k ? best.length : k - 1;
    while (j > 0 && best[j - 1].score < s) j--;
    best.splice(j, 0, { item: i, score: s });
    if (best.length > k) best.pop();
  }
  return best;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function recommendAllUsers(o: AllUsersOptions): Promise<{ users: number; rows: number }> {
  const V = o.ids.numItems;
  const n = o.sequences.length;
  const set: EvalSet = {
    stage: 'test', maxLen: o.maxLen, maskId: V + 1, numItems: V,
    users: Int32Array.from({ length: n }, (_, u) => u), targets: new Int32Array(n),
    inputs: o.sequences.map((s) => s.subarray(Math.max(0, s.length - (o.maxLen - 1)))),
    exclude: [], interacted: [],
  };
  const stream = createWriteStream(o.out);
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  if (o.format === 'csv') await write('user,rank,item,score,title\n');
  let rows = 0;
  for (let from = 0; from < n; from += o.batchSize) {
    const index = Int32Array.from({ length: Math.min(n, from + o.batchSize) - from }, (_, b) => from + b);
    const batch = evalBatchOf(set, index);
    const scores = await o.scorer(batch);
    const stride = scores.length / batch.size;
    let text = '';
    for (let b = 0; b < batch.size; b++) {
      const u = index[b];
      const top = topK(scores, b * stride, V, o.k, o.includeHistory ? null : new Set(o.sequences[u]));
      const user = o.ids.userIds[u];
      const items = top.map((t) => o.ids.itemIds[t.item]);
      const titles = items.map((id) => o.movies?.movies.get(id)?.title ?? null);
      if (o.format === 'csv') {
        top.forEach((t, r) => {
          text += `${user},${r + 1},${items[r]},${t.score.toPrecision(6)},${csvField(titles[r] ?? '')}\n`;
        });
      } else {
        text += `${JSON.stringify({ user, items, scores: top.map((t) => Number(t.score.toPrecision(6))), ...(o.movies && { titles }) })}\n`;
      }
      rows += top.length;
    }
    await write(text);
    o.onProgress?.(from + batch.size, n);
  }
  stream.end();
  await once(stream, 'finish');
  return { users: n, rows };
}
