// Paper preprocessing: per-user time order, minimum-count filtering, dense id remapping.
//
// Dense ids: items 1..V (0 = PAD, V+1 = MASK, vocabulary V+2); users 0..U-1 (index into
// `sequences`). Users are numbered in ascending original id. Items are numbered by first
// appearance when walking users in ascending id, each in time order ('first-appearance',
// default: this reproduces the SASRec-style ml-1m.txt numbering) or by ascending original id
// ('sorted'). Repeated (user, item) pairs are kept as separate interactions.
import { DatasetError } from './errors.js';
import type { Interactions } from './interactions.js';

export interface PreprocessOptions {
  /** Drop items with fewer interactions than this (default 5). */
  minItemCount?: number;
  /** Then drop users with fewer interactions than this (default 5). */
  minUserCount?: number;
  /**
   * false (default): ONE pass, items first (counted on the raw data), then users (counted
   * after the item filter), as the SASRec/BERT4Rec ml-1m.txt. true: repeat both filters
   * until nothing changes (k-core).
   */
  iterate?: boolean;
  /** Keep only interactions rated >= this, before any count (needs a rating column). */
  minRating?: number;
  itemOrder?: 'first-appearance' | 'sorted';
}

export interface PreprocessStats {
  raw: { interactions: number; users: number; items: number };
  /** Interactions below minRating (0 without a rating threshold). */
  droppedByRating: number;
  minRating: number | null;
  droppedItems: number;
  droppedItemInteractions: number;
  droppedUsers: number;
  droppedUserInteractions: number;
  rounds: number;
  final: { interactions: number; users: number; items: number };
}

export interface Dataset {
  numUsers: number;
  /** V: real items are 1..V. */
  numItems: number;
  padId: 0;
  maskId: number;
  vocabSize: number;
  /** Per dense user, dense item ids in time order (ties keep file order). */
  sequences: Int32Array[];
  /** dense user index -> original user id */
  userIds: Int32Array;
  /** dense item id -> original item id (index 0 unused, holds -1) */
  itemIds: Int32Array;
  userIndex: Map<number, number>;
  itemIndex: Map<number, number>;
  stats: PreprocessStats;
}

export function preprocess(data: Interactions, options: PreprocessOptions = {}): Dataset {
  const minItem = options.minItemCount ?? 5;
  const minUser = options.minUserCount ?? 5;
  const n = data.length;
  const keep = new Uint8Array(n).fill(1);
  let droppedByRating = 0;
  if (options.minRating !== undefined) {
    if (!data.ratings) throw new DatasetError(`preprocess: a minimum rating of ${options.minRating} was asked for, but ${data.report.file} (${data.report.format}) has no rating column`);
    for (let r = 0; r < n; r++) {
      if (data.ratings[r] < options.minRating) {
        keep[r] = 0;
        droppedByRating++;
      }
    }
  }
  const stats: PreprocessStats = {
    raw: { interactions: n, users: new Set(data.users).size, items: new Set(data.items).size },
    droppedByRating, minRating: options.minRating ?? null,
    droppedItems: 0, droppedItemInteractions: 0, droppedUsers: 0, droppedUserInteractions: 0, rounds: 0,
    final: { interactions: 0, users: 0, items: 0 },
  };
  for (;;) {
    stats.rounds++;
    const [items, itemRows] = dropRare(data.items, keep, minItem);
    stats.droppedItems += items;
    stats.droppedItemInteractions += itemRows;
    const [users, userRows] = dropRare(data.users, keep, minUser);
    stats.droppedUsers += users;
    stats.droppedUserInteractions += userRows;
    if (!options.iterate || items + users === 0) break;
  }

  // Group kept rows by user (ascending original id), each user's rows in time order.
  const byUser = new Map<number, number[]>();
  for (let r = 0; r < n; r++) {
    if (!keep[r]) continue;
    const u = data.users[r];
    let rows = byUser.get(u);
    if (!rows) byUser.set(u, (rows = []));
    rows.push(r);
  }
  if (byUser.size === 0) {
    const rating = options.minRating !== undefined ? `rating >= ${options.minRating}, ` : '';
    throw new DatasetError(`preprocess: no interactions left after filtering (${rating}items >= ${minItem}, users >= ${minUser}) of ${n} in ${data.report.file}`);
  }
  const userIds = Int32Array.from([...byUser.keys()].sort((a, b) => a - b));
  const ts = data.timestamps;
  const rowsPerUser = Array.from(userIds, (u) => {
    const rows = byUser.get(u)!;
    if (ts) rows.sort((a, b) => ts[a] - ts[b] || a - b); // stable: equal timestamps keep file order
    return rows;
  });

  const itemIndex = new Map<number, number>();
  if (options.itemOrder === 'sorted') {
    const ids = [...new Set(rowsPerUser.flatMap((rows) => rows.map((r) => data.items[r])))].sort((a, b) => a - b);
    ids.forEach((id, i) => itemIndex.set(id, i + 1));
  } else {
    for (const rows of rowsPerUser) for (const r of rows) if (!itemIndex.has(data.items[r])) itemIndex.set(data.items[r], itemIndex.size + 1);
  }
  const itemIds = new Int32Array(itemIndex.size + 1).fill(-1);
  for (const [orig, dense] of itemIndex) itemIds[dense] = orig;
  const sequences = rowsPerUser.map((rows) => Int32Array.from(rows, (r) => itemIndex.get(data.items[r])!));
  const userIndex = new Map<number, number>();
  userIds.forEach((u, i) => userIndex.set(u, i));

  const V = itemIndex.size;
  stats.final = { interactions: sequences.reduce((s, q) => s + q.length, 0), users: userIds.length, items: V };
  return { numUsers: userIds.length, numItems: V, padId: 0, maskId: V + 1, vocabSize: V + 2, sequences, userIds, itemIds, userIndex, itemIndex, stats };
}

/** One line per step, e.g. for the CLI log. */
export function formatStats(s: PreprocessStats): string {
  const f = (x: number) => x.toLocaleString('en-US');
  return [
    `raw: ${f(s.raw.users)} users, ${f(s.raw.items)} items, ${f(s.raw.interactions)} interactions`,
    ...(s.minRating !== null ? [`dropped ${f(s.droppedByRating)} interactions rated below ${s.minRating}`] : []),
    `dropped ${f(s.droppedItems)} items (${f(s.droppedItemInteractions)} interactions) below the item minimum`,
    `dropped ${f(s.droppedUsers)} users (${f(s.droppedUserInteractions)} interactions) below the user minimum${s.rounds > 1 ? ` (${s.rounds} rounds)` : ''}`,
    `final: ${f(s.final.users)} users, ${f(s.final.items)} items, ${f(s.final.interactions)} interactions`,
  ].join('\n');
}

function countBy(ids: Int32Array, keep: Uint8Array): Map<number, number> {
  const m = new Map<number, number>();
  for (let r = 0; r < ids.length; r++) if (keep[r]) m.set(ids[r], (m.get(ids[r]) ?? 0) + 1);
  return m;
}

/** Clears keep[] for rows whose id occurs fewer than min times among kept rows; returns [ids dropped, rows dropped]. */
function dropRare(ids: Int32Array, keep: Uint8Array, min: number): [number, number] {
  if (min <= 1) return [0, 0];
  const counts = countBy(ids, keep);
  let dropped = 0;
  for (const c of counts.values()) if (c < min) dropped++;
  if (dropped === 0) return [0, 0];
  let rows = 0;
  for (let r = 0; r < ids.length; r++) {
    if (keep[r] && counts.get(ids[r])! < min) {
      keep[r] = 0;
      rows++;
    }
  }
  return [dropped, rows];
}
