// Evaluation inputs: per user, the history followed by MASK, truncated to the last L positions.
//   validation: train items + MASK, target = validation item
//   test:       train items + validation item + MASK, target = test item
import { Rng } from '../data/rng.js';
import type { LeaveOneOutSplit } from '../data/split.js';

export type Stage = 'valid' | 'test';

export interface EvalSet {
  stage: Stage;
  maxLen: number;
  maskId: number;
  numItems: number;
  /** Dense indices of the users evaluated (users without a target at this stage are left out). */
  users: Int32Array;
  targets: Int32Array;
  /** The last L-1 history items of each user (MASK is appended when batching). */
  inputs: Int32Array[];
  /** Unique history items, ascending, without the target: removed from the full ranking. */
  exclude: Int32Array[];
  /** Every item of the user (whole sequence): never drawn as a sampled negative. */
  interacted: Int32Array[];
}

export interface EvalBatch {
  size: number;
  maxLen: number;
  /** [size, L]: left padding 0, history, MASK in the last column. */
  ids: Int32Array;
  keyMask: Int32Array;
  /** Flat row index b * L + (L - 1) of each user's MASK position. */
  rows: Int32Array;
  /** Position in the EvalSet of each batch row. */
  index: Int32Array;
}

export function buildEvalSet(split: LeaveOneOutSplit, stage: Stage, maxLen: number): EvalSet {
  if (!Number.isInteger(maxLen) || maxLen < 1) throw new RangeError(`buildEvalSet: maxLen must be a positive integer, got ${maxLen}`);
  const ds = split.dataset;
  const users: number[] = [];
  const targets: number[] = [];
  const inputs: Int32Array[] = [];
  const exclude: Int32Array[] = [];
  const interacted: Int32Array[] = [];
  for (let u = 0; u < ds.numUsers; u++) {
    const target = stage === 'valid' ? split.valid[u] : split.test[u];
    if (!target) continue;
    const train = split.train[u];
    let history = train;
    if (stage === 'test' && split.valid[u]) {
      history = new Int32Array(train.length + 1);
      history.set(train);
      history[train.length] = split.valid[u];
    }
    users.push(u);
    targets.push(target);
    inputs.push(history.subarray(Math.max(0, history.length - (maxLen - 1))));
    exclude.push(uniqueSorted(history, target));
    interacted.push(uniqueSorted(ds.sequences[u], -1));
  }
  return { stage, maxLen, maskId: ds.maskId, numItems: ds.numItems, users: Int32Array.from(users), targets: Int32Array.from(targets), inputs, exclude, interacted };
}

/**
 * A fixed random subset of `count` users of `set` (drawn with `seed`, kept in the set's order);
 * the set itself when count is 0 or not below its size.
 */
export function evalSubset(set: EvalSet, count: number, seed: number): EvalSet {
  const n = set.users.length;
  if (!(count > 0) || count >= n) return set;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(seed, 0x5e1ec7).shuffle(perm);
  const pick = perm.subarray(0, count).sort();
  return {
    ...set,
    users: Int32Array.from(pick, (i) => set.users[i]),
    targets: Int32Array.from(pick, (i) => set.targets[i]),
    inputs: Array.from(pick, (i) => set.inputs[i]),
    exclude: Array.from(pick, (i) => set.exclude[i]),
    interacted: Array.from(pick, (i) => set.interacted[i]),
  };
}

/** Model input for EvalSet entries [from, to). */
export function evalBatch(set: EvalSet, from: number, to: number): EvalBatch {
  const size = Math.max(0, Math.min(to, set.users.length) - from);
  const index = new Int32Array(size);
  for (let b = 0; b < size; b++) index[b] = from + b;
  return evalBatchOf(set, index);
}

/**
 * Model input for the EvalSet entries `index` (in that order), `width` columns wide
 * (default set.maxLen; at least the longest history + 1 for the MASK).
 */
export function evalBatchOf(set: EvalSet, index: Int32Array, width = set.maxLen): EvalBatch {
  const L = width;
  const size = index.length;
  const ids = new Int32Array(size * L);
  const keyMask = new Int32Array(size * L);
  const rows = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const h = set.inputs[index[b]];
    if (h.length + 1 > L) throw new RangeError(`evalBatchOf: a history of ${h.length} items needs width >= ${h.length + 1}, got ${L}`);
    const off = b * L + (L - 1 - h.length);
    ids.set(h, off);
    keyMask.fill(1, off, (b + 1) * L);
    ids[(b + 1) * L - 1] = set.maskId;
    rows[b] = b * L + L - 1;
  }
  return { size, maxLen: L, ids, keyMask, rows, index: Int32Array.from(index) };
}

function uniqueSorted(items: Int32Array, without: number): Int32Array {
  const s = Int32Array.from(new Set(items)).sort();
  const i = s.indexOf(without);
  return i < 0 ? s : Int32Array.from([...s.subarray(0, i), ...s.subarray(i + 1)]);
}
