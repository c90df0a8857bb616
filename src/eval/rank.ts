// Rank (1-based) of the target among candidates, from one row of scores indexed by item id.
//
// Ties: 'pessimistic' (default) ranks the target below every candidate with an equal score,
// so constant or degenerate scores cannot look good; 'optimistic' ranks it above them.
// A NaN target score gets the worst rank; NaN candidate scores never rank above the target.

export type TieRule = 'pessimistic' | 'optimistic';

/**
 * Full ranking over items 1..numItems, leaving out `exclude` (the user's history, unique
 * and without duplicates; the target is never excluded, it stays rankable).
 * scores[offset + i] is item i's score.
 */
export function rankFull(scores: ArrayLike<number>, offset: number, target: number, numItems: number, exclude: ArrayLike<number>, ties: TieRule = 'pessimistic'): number {
  if (!(target >= 1 && target <= numItems)) throw new RangeError(`rankFull: target ${target} is not an item id in 1..${numItems}`);
  let excluded = 0;
  for (let j = 0; j < exclude.length; j++) if (exclude[j] !== target && exclude[j] >= 1 && exclude[j] <= numItems) excluded++;
  const s = scores[offset + target];
  if (Number.isNaN(s)) return numItems - excluded;
  const pess = ties === 'pessimistic';
  let above = 0;
  for (let i = 1; i <= numItems; i++) {
    const v = scores[offset + i];
    if (v > s || (pess && v === s)) above++;
  }
  if (pess) above--; // the target itself compared equal
  for (let j = 0; j < exclude.length; j++) {
    const e = exclude[j];
    if (e === target || e < 1 || e > numItems) continue;
    const v = scores[offset + e];
    if (v > s || (pess && v === s)) above--;
  }
  return above + 1;
}

/** Rank of candidates[0] (the target) among all of `candidates` (target + sampled negatives). */
export function rankSampled(scores: ArrayLike<number>, offset: number, candidates: ArrayLike<number>, ties: TieRule = 'pessimistic'): number {
  const s = scores[offset + candidates[0]];
  if (Number.isNaN(s)) return candidates.length;
  const pess = ties === 'pessimistic';
  let above = 0;
  for (let j = 1; j < candidates.length; j++) {
    const v = scores[offset + candidates[j]];
    if (v > s || (pess && v === s)) above++;
  }
  return above + 1;
}
