// The paper's sampled protocol: 100 negatives per user, drawn by popularity (probability
// proportional to interaction count), without replacement, never an item the user has
// interacted with (whole sequence, as the original BERT4Rec) nor the target.
//
// Weighted sampling without replacement uses Efraimidis-Spirakis keys: key_i = -ln(u_i) / w_i,
// the `count` smallest keys win. This draws exactly the sequential "pick proportional to
// weight among the remaining items" distribution. Items of weight 0 are never drawn; when
// fewer than `count` items are eligible, all of them are returned.
import { Rng } from '../data/rng.js';
import type { EvalSet } from './inputs.js';

/** weights[i] for items 1..numItems; `excluded` (item ids) and `target` are never drawn. */
export function sampleNegatives(weights: ArrayLike<number>, numItems: number, excluded: ArrayLike<number>, target: number, count: number, rng: Rng): Int32Array {
  const blocked = new Uint8Array(numItems + 2);
  for (let j = 0; j < excluded.length; j++) if (excluded[j] >= 0 && excluded[j] <= numItems) blocked[excluded[j]] = 1;
  if (target >= 0 && target <= numItems) blocked[target] = 1;
  // Max-heap (by key) of the `count` smallest keys seen so far.
  const heapKey = new Float64Array(count);
  const heapItem = new Int32Array(count);
  let size = 0;
  for (let i = 1; i <= numItems; i++) {
    const w = weights[i];
    if (!(w > 0)) continue;
    // A key is drawn for every weighted item, blocked or not, so one user's draws do not
    // shift with the size of the history.
    const key = -Math.log((rng.nextU32() + 0.5) / 4294967296) / w;
    if (blocked[i]) continue;
    if (size < count) {
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (heapKey[p] >= key) break;
        heapKey[c] = heapKey[p];
        heapItem[c] = heapItem[p];
        c = p;
      }
      heapKey[c] = key;
      heapItem[c] = i;
    } else if (count > 0 && key < heapKey[0]) {
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && heapKey[r] > heapKey[l] ? r : l;
        if (heapKey[m] <= key) break;
        heapKey[c] = heapKey[m];
        heapItem[c] = heapItem[m];
        c = m;
      }
      heapKey[c] = key;
      heapItem[c] = i;
    }
  }
  return heapItem.slice(0, size).sort();
}

export interface SampledOptions {
  /** Negatives per user (default 100). */
  count?: number;
  seed?: number;
  /** Random stream: 'popularity' (default; the original streams) or 'uniform' (a separate one). */
  stream?: 'popularity' | 'uniform';
}

/**
 * Candidate lists [target, negative_1, ..., negative_count] for every user of the set.
 * Each user's draw is seeded by (seed, stage, user), so the lists do not depend on the
 * order users are processed in, and every model is scored on the same candidates.
 * `weights`: popularity per item id, e.g. itemCounts(dataset.sequences) (the original
 * BERT4Rec counts items over the whole data set).
 */
export function buildSampledCandidates(set: EvalSet, weights: ArrayLike<number>, options: SampledOptions = {}): Int32Array[] {
  const count = options.count ?? 100;
  const seed = options.seed ?? 0;
  const stageCode = (set.stage === 'valid' ? 1 : 2) + (options.stream === 'uniform' ? 2 : 0);
  return Array.from(set.users, (u, k) => {
    const neg = sampleNegatives(weights, set.numItems, set.interacted[k], set.targets[k], count, new Rng(seed, stageCode, u));
    const out = new Int32Array(neg.length + 1);
    out[0] = set.targets[k];
    out.set(neg, 1);
    return out;
  });
}
