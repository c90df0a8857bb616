// Preprocessing options (rating threshold, k-core vs one pass) and the GroupLens archives:
// download against a local server, ratings and titles, chunked parsing, movies.csv / u.item.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError, formatStats, parseInteractions, parseMoviesAny, parseMoviesCsv, parseMoviesUItem, preprocess } from '../src/data/index.js';
import { parseDelimited } from '../src/data/delimited.js';
import { DownloadError } from '../src/data/node/download.js';
import { ensureGroupLens, GROUPLENS, parseChunked, readGroupLens } from '../src/data/node/grouplens.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('preprocessing options', () => {
  // Item 9 has 2 interactions, so with min 2 per item... built so that one pass leaves user 3
  // with 1 interaction while k-core drops it and then item 8 (left with 1).
  //   user 1: 7 7 8      user 2: 7 8 9      user 3: 9 8      (min 2 per user, 2 per item)
  // one pass: items counted on the raw data: 7x3, 8x3, 9x2 -> all kept; users: all have >= 2.
  // Then with min-item 3: item 9 dropped (2 < 3) -> user 3 has [8] (1 < 2) -> dropped in the
  // user pass. One pass stops there: item 8 now has 2 interactions (< 3) but stays. k-core
  // drops it in round 2, then user 1 [7 7] and user 2 [7] ... until both hold.
  const text = '1 7\n1 7\n1 8\n2 7\n2 8\n2 9\n3 9\n3 8\n';
  const data = parseInteractions(text, { fileName: 'k.txt', format: 'user-item' });

  it('one pass leaves counts below the minimum that k-core removes', () => {
    const one = preprocess(data, { minItemCount: 3, minUserCount: 2 });
    expect(one.stats.final).toEqual({ users: 2, items: 2, interactions: 5 });
    const counts = new Map<number, number>();
    for (const s of one.sequences) for (const i of s) counts.set(one.itemIds[i], (counts.get(one.itemIds[i]) ?? 0) + 1);
    expect(counts.get(8)).toBe(2); // below 3: one pass does not look again
    // k-core: item 8 (2 < 3) goes, then user 2 has [7] (< 2) and goes, leaving item 7 with 2 (< 3): nothing is left.
    expect(() => preprocess(data, { minItemCount: 3, minUserCount: 2, iterate: true })).toThrow(DatasetError);
    const k = preprocess(data, { minItemCount: 2, minUserCount: 2, iterate: true });
    expect(k.stats.final).toEqual({ users: 3, items: 3, interactions: 8 });
    expect(k.stats.rounds).toBe(1);
  });

  it('keeps only interactions rated >= min-rating and says how many went', () => {
    const rated = parseInteractions('1\t10\t5\t1\n1\t11\t2\t2\n1\t12\t4\t3\n2\t10\t4\t1\n2\t11\t1\t2\n', { fileName: 'u.data' });
    const ds = preprocess(rated, { minItemCount: 1, minUserCount: 1, minRating: 4 });
    expect(ds.stats.droppedByRating).toBe(2);
    expect(ds.stats.raw.interactions).toBe(5);
    expect(ds.stats.final.interactions).toBe(3);
    expect(ds.sequences.map((s) => Array.from(s, (i) => ds.itemIds[i]))).toEqual([[10, 12], [10]]);
    expect(formatStats(ds.stats)).toContain('dropped 2 interactions rated below 4');
    expect(() => preprocess(data, { minRating: 4 })).toThrow(/minimum rating of 4 was asked for, but k\.txt \(user-item\) has no rating column/);
  });
});

describe('delimited files with named columns', () => {
  it('reads any header names given as options, or 0-based indices without a header', () => {
    const csv = 'session;product;when;stars\n5;100;30;1\n5;101;10;5\n';
    const a = parseInteractions(csv, { fileName: 'x.csv', format: 'delimited', delimiter: ';', userColumn: 'session', itemColumn: 'product', timeColumn: 'when', ratingColumn: 'stars' });
    expect([Array.from(a.users), Array.from(a.items), Array.from(a.timestamps!), Array.from(a.ratings!)]).toEqual([[5, 5], [100, 101], [30, 10], [1, 5]]);
    const b = parseInteractions('5|100|30\n5|101|10\n', { fileName: 'x.txt', format: 'delimited', delimiter: '|', header: false, userColumn: 0, itemColumn: 1, timeColumn: 2 });
    expect(Array.from(b.items)).toEqual([100, 101]);
    expect(() => parseInteractions(csv, { fileName: 'x.csv', format: 'delimited', delimiter: ';' })).toThrow(/cannot tell which column holds the user .*pass --user-col/);
  });
});

describe('movie titles', () => {
  it('movies.csv with quoted titles, u.item with genre flags', () => {
    const csv = parseMoviesCsv('movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n11,"American President, The (1995)",Comedy\n2,"Say ""Hi"" (2001)",(no genres listed)\n');
    expect(csv.movies.get(11)!.title).toBe('American President, The (1995)');
    expect(csv.movies.get(2)).toEqual({ id: 2, title: 'Say "Hi" (2001)', genres: [] });
    expect(() => parseMoviesCsv('id,name\n1,x\n', 'm.csv')).toThrow(/m\.csv:1: expected the header movieId,title,genres/);
    const flags = (on: number[]) => Array.from({ length: 19 }, (_, g) => (on.includes(g) ? '1' : '0')).join('|');
    const uitem = parseMoviesUItem(`1|Toy Story (1995)|01-Jan-1995||http://x|${flags([3, 4, 5])}\n`);
    expect(uitem.movies.get(1)).toEqual({ id: 1, title: 'Toy Story (1995)', genres: ['Animation', "Children's", 'Comedy'] });
    expect(parseMoviesAny('1::A (1)::Drama\n', 'movies.dat').movies.get(1)!.title).toBe('A (1)');
  });
});

describe('GroupLens archives', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grouplens-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const udata = Array.from({ length: 300 }, (_, k) => `${1 + (k % 20)}\t${1 + ((k * 7) % 40)}\t${1 + (k % 5)}\t${880000000 + k}`).join('\n');
  const flags = Array(19).fill('0').join('|');
  const uitem = Array.from({ length: 40 }, (_, i) => `${i + 1}|Film ${i + 1} (1990)|01-Jan-1990||http://x|${flags}`).join('\n');
  const zip = zipSync({ 'ml-100k/u.data': enc(udata), 'ml-100k/u.item': enc(uitem), 'ml-100k/README': enc('x') });
  const md5 = createHash('md5').update(zip).digest('hex');

  it('has the published MD5 of every archive', () => {
    expect(Object.keys(GROUPLENS)).toEqual(['ml-100k', 'ml-1m', 'ml-20m', 'ml-25m']);
    for (const a of Object.values(GROUPLENS)) {
      expect(a.md5).toMatch(/^[0-9a-f]{32}$/);
      expect(a.url).toBe(`https://files.grouplens.org/datasets/movielens/${a.fileName}`);
    }
  });

  it('downloads from a local server, verifies, reads ratings and titles; a bad checksum is refused', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': zip.length });
      res.end(Buffer.from(zip));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ml-100k.zip`;
    try {
      await expect(ensureGroupLens('ml-100k', join(dir, 'bad'), { url, retries: 0 })).rejects.toThrow(DownloadError);
      await expect(ensureGroupLens('ml-100k', join(dir, 'bad'), { url, retries: 0 })).rejects.toThrow(/md5 is [0-9a-f]{32}, expected 0e33842e24a9c977be4e0107933c0723/);
      const path = await ensureGroupLens('ml-100k', join(dir, 'ok'), { url, md5 });
      const { ratings, movies } = await readGroupLens('ml-100k', path);
      expect(ratings.length).toBe(300);
      expect(ratings.report.format).toBe('movielens-100k');
      expect(movies.movies.get(7)!.title).toBe('Film 7 (1990)');
    } finally {
      server.close();
    }
  });

  it('chunked parsing gives the same interactions as one pass, with line numbers from the chunk start', () => {
    const spec = GROUPLENS['ml-20m'].spec;
    const csv = `userId,movieId,rating,timestamp\n${Array.from({ length: 500 }, (_, k) => `${1 + (k % 9)},${1 + k},${(k % 10) / 2},${k}`).join('\n')}\n`;
    const whole = parseDelimited(csv, 'r.csv', spec);
    const chunked = parseChunked(enc(csv), 'r.csv', spec, 'utf-8', {}, 1000);
    expect(Array.from(chunked.users)).toEqual(Array.from(whole.users));
    expect(Array.from(chunked.items)).toEqual(Array.from(whole.items));
    expect(Array.from(chunked.ratings!)).toEqual(Array.from(whole.ratings!));
    expect(chunked.report.lines).toBe(501);
    // Item 301 is on line 302 of the file (header = line 1).
    const bad = csv.replace(',301,', ',x301,');
    let message = '';
    try {
      parseChunked(enc(bad), 'r.csv', spec, 'utf-8', {}, 1000);
    } catch (e) {
      message = (e as Error).message;
    }
    const m = /^r\.csv \(from line (\d+)\):(\d+): non-numeric item id "x301"/.exec(message);
    expect(m, message).not.toBeNull();
    expect(Number(m![1]) - 1 + Number(m![2])).toBe(302);
  });
});
