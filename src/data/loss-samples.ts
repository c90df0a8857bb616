// The items a sampled loss scores besides the targets (src/model/loss.ts), drawn on the host
// from a generator seeded by (seed, epoch, batch position), so a resumed run draws the same.
//   'sampled': one candidate set per batch = the batch's distinct target items plus `negatives`
//     items drawn uniformly from 1..V (distinct; the targets of one row are negatives of the
//     others, as in mixed negative sampling); targets become indices into the candidates.
//   'bce': one negative per target row, uniform over 1..V without the items of that row's
//     sequence and its target (the original SASRec's negative).
import type { Rng } from './rng.js';

export interface SampledCandidates {
  /** Distinct item ids scored by every row. */
  candidates: Int32Array;
  /** Per target row: the index of its target in `candidates`. */
  targets: Int32Array;
}

export function sampledCandidates(targets: Int32Array, numItems: number, negatives: number, rng: Rng): SampledCandidates {
  const index = new Map<number, number>();
  const list: number[] = [];
  const out = new Int32Array(targets.length);
  const add = (item: number) => {
    let k = index.get(item);
    if (k === undefined) {
      k = list.length;
      index.set(item, k);
      list.push(item);
    }
    return k;
  };
  for (let r = 0; r < targets.length; r++) out[r] = add(targets[r]);
  const want = Math.min(numItems, list.length + negatives);
  // Uniform draws until `negatives` new items (or the whole catalogue) are in.
  while (list.length < want) add(1 + rng.nextInt(numItems));
  return { candidates: Int32Array.from(list), targets: out };
}

/**
 * One negative per target row r (flat position rows[r] = b * L + t of a [size, L] batch whose
 * ids are `ids`): uniform over 1..V, avoiding the items of row b and the target (after 64
 * rejected draws, any item but the target).
 */
export function bceNegatives(ids: Int32Array, L: number, rows: Int32Array, targets: Int32Array, numItems: number, rng: Rng): Int32Array {
  const out = new Int32Array(rows.length);
  let seenRow = -1;
  let seen = new Set<number>();
  for (let r = 0; r < rows.length; r++) {
    const b = Math.floor(rows[r] / L);
    if (b !== seenRow) {
      seenRow = b;
      seen = new Set(ids.subarray(b * L, (b + 1) * L));
    }
    let item = 1 + rng.nextInt(numItems);
    for (let tries = 0; tries < 64 && (seen.has(item) || item === targets[r]); tries++) item = 1 + rng.nextInt(numItems);
    if (item === targets[r] && numItems > 1) item = (item % numItems) + 1;
    out[r] = item;
  }
  return out;
}
