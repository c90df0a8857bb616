import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DatasetError, exportIdMaps, formatStats, importIdMaps, leaveOneOut, parseInteractions, preprocess, trainingSequences, type Dataset } from '../src/data/index.js';
import { loadInteractionsFile } from '../src/data/node/files.js';

const fx = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const shared = new URL('../../shared/datasets/', import.meta.url).pathname;
// ../shared is not part of a clean clone (CI may lack it): these run only where the workplace's data sets are present.
const hasShared = existsSync(shared);
/** A user's sequence as original item ids. */
const orig = (ds: Dataset, user: number) => Array.from(ds.sequences[ds.userIndex.get(user)!], (i) => ds.itemIds[i]);

describe('preprocess (fixture)', () => {
  it('orders by time (ties keep file order), drops items < 5 then users < 5 once, remaps densely', async () => {
    const ds = preprocess(await loadInteractionsFile(fx('ratings-mini.dat')));
    expect(ds.stats).toEqual({
      raw: { interactions: 36, users: 6, items: 8 },
      droppedByRating: 0, minRating: null,
      droppedItems: 2, droppedItemInteractions: 3, // item 99 (2 ratings), item 77 (1)
      droppedUsers: 1, droppedUserInteractions: 4, // user 6 is left with 4
      rounds: 1,
      final: { interactions: 29, users: 5, items: 6 },
    });
    expect(formatStats(ds.stats)).toContain('final: 5 users, 6 items, 29 interactions');
    expect([ds.numUsers, ds.numItems, ds.padId, ds.maskId, ds.vocabSize]).toEqual([5, 6, 0, 7, 8]);
    expect(Array.from(ds.userIds)).toEqual([1, 2, 3, 4, 5]);
    expect(orig(ds, 1)).toEqual([30, 10, 50, 20, 60, 40]); // sorted by timestamp
    expect(orig(ds, 2)).toEqual([20, 10, 30, 40, 50, 60]); // 20 and 10 share timestamp 50: file order
    expect(orig(ds, 4)).toEqual([60, 50, 40, 30, 20, 10]);
    // first-appearance numbering: user 1's time order defines items 1..6
    expect(Array.from(ds.sequences[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(ds.itemIds)).toEqual([-1, 30, 10, 50, 20, 60, 40]);
    for (let i = 1; i <= ds.numItems; i++) expect(ds.itemIndex.get(ds.itemIds[i])).toBe(i);
    const sorted = preprocess(await loadInteractionsFile(fx('ratings-mini.dat')), { itemOrder: 'sorted' });
    expect(Array.from(sorted.itemIds)).toEqual([-1, 10, 20, 30, 40, 50, 60]);
  });

  it('id maps round-trip through JSON and are validated', async () => {
    const ds = preprocess(await loadInteractionsFile(fx('ratings-mini.dat')));
    const back = importIdMaps(JSON.parse(JSON.stringify(exportIdMaps(ds))));
    expect(back.numItems).toBe(ds.numItems);
    expect(Array.from(back.itemIds)).toEqual(Array.from(ds.itemIds));
    expect(back.itemIndex).toEqual(ds.itemIndex);
    expect(back.userIndex).toEqual(ds.userIndex);
    expect(() => importIdMaps({ version: 1, userIds: [1, 1], itemIds: [-1, 5] })).toThrow(/userIds has original id 1 twice/);
    expect(() => importIdMaps({ version: 1, userIds: [1], itemIds: [-1, 'x'] })).toThrow(/itemIds\[1\] = "x"/);
    expect(() => importIdMaps({ userIds: [] })).toThrow(/expected \{ version: 1/);
  });

  it('k-core iteration and thresholds are options', async () => {
    const data = await loadInteractionsFile(fx('ratings-mini.dat'));
    // Without user 6, item 60 has 4 ratings; iterating drops it, and then user 5 stays at 5.
    const k = preprocess(data, { iterate: true });
    expect(k.stats.rounds).toBe(3);
    expect(k.stats.final).toEqual({ interactions: 25, users: 5, items: 5 });
    const none = preprocess(data, { minItemCount: 0, minUserCount: 0 });
    expect(none.stats.final).toEqual({ interactions: 36, users: 6, items: 8 });
    expect(() => preprocess(data, { minItemCount: 100 })).toThrow(DatasetError);
  });

  it('leave-one-out: last = test, second-to-last = validation; short users are handled as documented', () => {
    const ds = preprocess(parseInteractions('1 1\n1 2\n1 3\n1 4\n2 5\n2 6\n3 7\n', { fileName: 's.txt' }), { minItemCount: 0, minUserCount: 0 });
    const s = leaveOneOut(ds);
    expect(Array.from(s.train[0])).toEqual([1, 2]);
    expect([s.valid[0], s.test[0]]).toEqual([3, 4]);
    expect(Array.from(s.train[1])).toEqual([5]); // 2 interactions: no validation item
    expect([s.valid[1], s.test[1]]).toEqual([0, 6]);
    expect([s.train[2].length, s.valid[2], s.test[2]]).toEqual([0, 0, 0]); // 1 interaction: dropped
    expect([s.droppedUsers, s.usersWithoutValidation]).toEqual([1, 1]);
    expect(trainingSequences(s, true).map((t) => Array.from(t))).toEqual([[1, 2, 3], [5], []]);
    expect(() => leaveOneOut(ds, { onShortUser: 'error' })).toThrow(/1 user\(s\) have fewer than 2 interactions and cannot be split \(original ids 3\)/);
  });
});

describe.skipIf(!hasShared)('shared data sets (../shared/datasets)', () => {
  const load = (f: string) => parseInteractions(new Uint8Array(readFileSync(shared + f)), { fileName: f });

  it('ML-1M ratings_reconstructed.dat.gz -> 6,040 users / 3,416 items / 999,611 interactions, identical to ml-1m.txt', () => {
    const raw = load('ml-1m/ratings_reconstructed.dat.gz');
    expect(raw.report).toMatchObject({ format: 'movielens-dat', parsed: 1_000_209, skipped: 0 });
    const ds = preprocess(raw);
    console.log(`ratings_reconstructed.dat.gz:\n${formatStats(ds.stats)}`);
    expect(ds.stats.raw).toEqual({ interactions: 1_000_209, users: 6040, items: 3706 });
    expect([ds.stats.droppedItems, ds.stats.droppedItemInteractions, ds.stats.droppedUsers]).toEqual([290, 598, 0]);
    expect(ds.stats.final).toEqual({ interactions: 999_611, users: 6040, items: 3416 });
    // The SASRec-style file uses the same first-appearance numbering: sequences must match exactly.
    const txt = load('ml-1m/ml-1m.txt.gz');
    let k = 0;
    let mismatches = 0;
    for (let u = 0; u < ds.numUsers; u++) {
      for (const item of ds.sequences[u]) {
        if (txt.users[k] !== ds.userIds[u] || txt.items[k] !== item) mismatches++;
        k++;
      }
    }
    expect([k, mismatches]).toEqual([txt.length, 0]);
    const s = leaveOneOut(ds);
    expect([s.droppedUsers, s.usersWithoutValidation]).toEqual([0, 0]);
  });

  it('ML-1M ml-1m.txt.gz -> 6,040 users / 3,416 items / 999,611 interactions', () => {
    const raw = load('ml-1m/ml-1m.txt.gz');
    expect(raw.report.format).toBe('user-item');
    const ds = preprocess(raw);
    expect(ds.stats.final).toEqual({ interactions: 999_611, users: 6040, items: 3416 });
    expect(ds.stats.droppedItems + ds.stats.droppedUsers).toBe(0);
    // numbering by first appearance reproduces the file's own ids
    for (let i = 1; i <= ds.numItems; i++) expect(ds.itemIds[i]).toBe(i);
  });

  it('ML-100k u.data.gz -> 943 users / 1,682 items / 100,000 interactions raw', () => {
    const raw = load('ml-100k/u.data.gz');
    expect(raw.report.format).toBe('movielens-100k');
    const ds = preprocess(raw);
    console.log(`u.data.gz:\n${formatStats(ds.stats)}`);
    expect(ds.stats.raw).toEqual({ interactions: 100_000, users: 943, items: 1682 });
    expect(ds.stats.final.users).toBe(943);
    expect(ds.stats.final.interactions).toBe(100_000 - ds.stats.droppedItemInteractions);
  });
});
