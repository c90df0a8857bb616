// scripts/gen-ml20m.mjs at a small scale: the rows it writes have ML-20M's layout (header,
// rows sorted by user then movieId, half-star ratings, timestamps in ML-20M's range), every
// user rates >= 20 distinct items, every item is rated, the counts are exact, and the loader
// and preprocessing read the file back with those counts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTrainingData } from '../src/train/data.js';
// @ts-expect-error: a plain .mjs script without types
import { generate, ML20M_SHAPE, userLengths, writeRatingsCsv } from '../scripts/gen-ml20m.mjs';

let dir = '';
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('gen-ml20m', () => {
  it('user lengths sum exactly, respect the minimum and the cap, and are heavy-tailed', () => {
    let s = 1;
    const r = { normal: () => { s = (s * 48271) % 2147483647; const u = s / 2147483647; return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * ((s * 7) % 1000) / 1000); } };
    const lengths: Int32Array = userLengths(5000, 700_000, r, { min: 20, max: 2000 });
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(700_000);
    const sorted = Int32Array.from(lengths).sort();
    expect(sorted[0]).toBeGreaterThanOrEqual(20);
    expect(sorted[sorted.length - 1]).toBeLessThanOrEqual(2000);
    expect(sorted[sorted.length - 1]).toBeGreaterThan(5 * sorted[sorted.length >> 1]); // tail far above the median
    expect(() => userLengths(10, 100, r)).toThrow(/cannot give 10 users 20 each/);
  });

  it('writes a ratings.csv of the promised shape that the loader reads back', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gen-ml20m-'));
    const path = join(dir, 'ratings.csv');
    const scale = 0.004;
    const shape = writeRatingsCsv(path, { scale, seed: 3 });
    expect(shape.users).toBe(Math.round(ML20M_SHAPE.users * scale));
    expect(shape.items).toBe(Math.round(ML20M_SHAPE.items * Math.sqrt(scale)));
    expect(shape.interactions).toBe(Math.round(ML20M_SHAPE.interactions * scale));
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('userId,movieId,rating,timestamp');
    expect(lines.length - 1).toBe(shape.interactions);
    const perUser = new Map<number, Set<number>>();
    const items = new Set<number>();
    let prev = [0, 0];
    for (const line of lines.slice(1)) {
      const [u, m, rating, t] = line.split(',').map(Number);
      expect(u > prev[0] || (u === prev[0] && m > prev[1]), line).toBe(true); // sorted, no repeated pair
      expect(rating * 2).toBe(Math.round(rating * 2));
      expect(rating >= 0.5 && rating <= 5).toBe(true);
      expect(t >= 789_652_009 && t <= 1_427_784_002).toBe(true);
      if (!perUser.has(u)) perUser.set(u, new Set());
      perUser.get(u)!.add(m);
      items.add(m);
      prev = [u, m];
    }
    expect(perUser.size).toBe(shape.users);
    expect(items.size).toBe(shape.items);
    for (const s of perUser.values()) expect(s.size).toBeGreaterThanOrEqual(20);

    const { dataset } = await loadTrainingData({ data: path });
    expect(dataset.stats.raw).toEqual({ interactions: shape.interactions, users: shape.users, items: shape.items });
  });

  it('is deterministic for a seed', () => {
    const rows = (seed: number) => {
      const out: number[] = [];
      generate({ scale: 0.001, seed }, (u: number, ids: Int32Array, _r: Float32Array, t: Float64Array) => out.push(u, ids[0], t[0]));
      return out;
    };
    expect(rows(5)).toEqual(rows(5));
    expect(rows(5)).not.toEqual(rows(6));
  });
});
