import { readFileSync } from 'node:fs';
import { gzipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DataFormatError, detectFormat, formatParseReport, parseInteractions, parseMovies, readMovieLensZip, type Interactions } from '../src/data/index.js';
import { loadInteractionsFile, loadMoviesFile } from '../src/data/node/files.js';

const fx = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const rows = (d: Interactions) => Array.from({ length: d.length }, (_, i) => [d.users[i], d.items[i], d.timestamps ? d.timestamps[i] : null]);
const thrown = (f: () => unknown): DataFormatError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFormatError);
    return e as DataFormatError;
  }
  throw new Error('expected a DataFormatError');
};

describe('interaction loaders (fixtures)', () => {
  it('reads MovieLens-1M ratings.dat, its gzip, its zip, the csv and a generic TSV identically', async () => {
    const dat = await loadInteractionsFile(fx('ratings-mini.dat'));
    expect(dat.report).toMatchObject({ format: 'movielens-dat', lines: 36, parsed: 36, skipped: 0 });
    expect(rows(dat).slice(0, 3)).toEqual([[1, 50, 300], [1, 30, 100], [1, 99, 250]]);
    expect(Array.from(dat.ratings!.slice(0, 3))).toEqual([4, 5, 3]);
    const gz = await loadInteractionsFile(fx('ratings-mini.dat.gz'));
    expect(gz.report.format).toBe('movielens-dat');
    const zip = await loadInteractionsFile(fx('ml-1m-mini.zip'));
    expect(zip.report.format).toBe('movielens-zip');
    const csv = await loadInteractionsFile(fx('ratings-mini.csv'));
    expect(csv.report.format).toBe('movielens-csv');
    const tsv = await loadInteractionsFile(fx('ratings-mini.tsv'));
    expect(tsv.report.format).toBe('delimited');
    for (const other of [gz, zip, csv, tsv]) expect(rows(other)).toEqual(rows(dat));
  });

  it('reads SASRec-style "user item" lines without timestamps', async () => {
    const d = await loadInteractionsFile(fx('user-item-mini.txt'));
    expect(d.report.format).toBe('user-item');
    expect(d.timestamps).toBeNull();
    expect(rows(d).map((r) => r.slice(0, 2))).toEqual([[1, 3], [1, 1], [1, 2], [2, 1], [2, 2], [2, 4], [2, 3], [3, 5], [3, 3]]);
    // tabs, repeated spaces and CRLF are all fine
    expect(parseInteractions('1\t2\r\n3   4\n', { fileName: 'x.txt' }).length).toBe(2);
  });

  it('reads a generic CSV with named or indexed columns and an explicit format override', () => {
    const text = 'ts;visitor;product\n10;7;100\n5;7;"101"\n';
    const named = parseInteractions(text, { fileName: 'events.csv', format: 'delimited', delimiter: ';', userColumn: 'visitor', itemColumn: 'product', timeColumn: 'ts' });
    expect(rows(named)).toEqual([[7, 100, 10], [7, 101, 5]]);
    const indexed = parseInteractions('10,7,100\n5,7,101\n', { fileName: 'events.csv', format: 'delimited', header: false, userColumn: 1, itemColumn: 2, timeColumn: 0 });
    expect(rows(indexed)).toEqual(rows(named));
    // quoted fields may contain the delimiter
    const quoted = parseInteractions('user,item,title,time\n1,2,"Hello, world",3\n', { fileName: 'q.csv' });
    expect(rows(quoted)).toEqual([[1, 2, 3]]);
  });

  it('detects formats from the name and first line', () => {
    expect(detectFormat('data/ml-1m/ratings.dat.gz', '1::1193::5::978300760')).toBe('movielens-dat');
    expect(detectFormat('x', '1::1193::5::978300760')).toBe('movielens-dat');
    expect(detectFormat('ml-20m/ratings.csv', 'userId,movieId,rating,timestamp')).toBe('movielens-csv');
    expect(detectFormat('u.data', '196\t242\t3\t881250949')).toBe('movielens-100k');
    expect(detectFormat('ml-1m.txt', '1 1')).toBe('user-item');
    expect(detectFormat('beauty.txt', '1\t17')).toBe('user-item');
    expect(detectFormat('events.tsv', 'user_id\titem_id\ttimestamp')).toBe('delimited');
    expect(detectFormat('ml-1m.zip', '')).toBe('movielens-zip');
    expect(() => detectFormat('x.csv', '1,2,3')).toThrow(/pass --no-header --user-col 0 --item-col 1/);
    expect(() => detectFormat('x.txt', '1 2 3')).toThrow(/cannot detect the format.*3 fields/);
  });

  it('reads titles from movies.dat (Latin-1) and from inside the zip', async () => {
    const m = await loadMoviesFile(fx('movies-mini.dat'));
    expect(m.movies.size).toBe(6);
    expect(m.movies.get(20)!.title).toBe("Am\u00e9lie (Fabuleux destin d'Am\u00e9lie Poulain, Le) (2001)");
    expect(m.movies.get(40)!.title).toBe('Se\u00f1orita Extraviada (2001)');
    expect(m.movies.get(10)!.genres).toEqual(['Animation', "Children's", 'Comedy']);
    const z = readMovieLensZip(new Uint8Array(readFileSync(fx('ml-1m-mini.zip'))), 'ml-1m-mini.zip');
    expect(z.movies!.movies.get(20)!.title).toBe(m.movies.get(20)!.title);
    expect(z.ratings.length).toBe(36);
    expect(() => parseMovies('1::Toy Story (1995)\n', 'movies.dat')).toThrow(/movies\.dat:1: 2 field\(s\) where 3 were expected/);
  });
});

describe('loader errors', () => {
  it('strict mode names the file, line and what was expected; lenient mode counts and reports', async () => {
    await expect(loadInteractionsFile(fx('ratings-bad.dat'))).rejects.toThrow(
      /ratings-bad\.dat:3: 1 field where 4 were expected \(the line is separated by ',', not '::': wrong separator\?\); expected UserID::MovieID::Rating::Timestamp, got "1,30,4,300"/,
    );
    const d = await loadInteractionsFile(fx('ratings-bad.dat'), { strict: false });
    expect(d.length).toBe(4);
    expect(d.report.skipped).toBe(3);
    expect(d.report.firstErrors).toHaveLength(3);
    expect(d.report.firstErrors[0]).toMatch(/:3: /);
    expect(d.report.firstErrors[1]).toMatch(/:5: 3 fields where 4 were expected/);
    expect(d.report.firstErrors[2]).toMatch(/:6: user id 2147483648 is beyond 2\^31-1/);
    expect(formatParseReport(d.report)).toMatch(/ratings-bad\.dat: 4 interactions from 7 lines \(movielens-dat\); skipped 3 malformed lines, first:\n  .*ratings-bad\.dat:3: /);
    const few = parseInteractions('1 2\nx 3\ny 4\nz 5\n', { fileName: 'f.txt', strict: false, maxReportedErrors: 2 });
    expect([few.report.skipped, few.report.firstErrors.length]).toEqual([3, 2]);
  });

  it.each([
    ['1::abc::5::1\n', /x\.dat:1: non-numeric item id "abc" \(expected a non-negative integer\)/],
    ['1::-3::5::1\n', /non-numeric item id "-3"/],
    ['1::2.5::5::1\n', /non-numeric item id "2\.5"/],
    ['1::2::5::later\n', /non-numeric timestamp "later"/],
    ['1::2::5::\n', /missing timestamp/],
    ['1::2::5::1::9\n', /5 fields where 4 were expected/],
    ['1::2147483647::5::1\n2147483648::1::5::1\n', /x\.dat:2: user id 2147483648 is beyond 2\^31-1/],
    ['1::2::5::1\n1\t2\t5\t1\n', /x\.dat:2: .*separated by tab, not '::'/],
  ])('rejects %j', (text, message) => {
    expect(() => parseInteractions(strToU8(text), { fileName: 'x.dat', format: 'movielens-dat' })).toThrow(message);
  });

  it('reports bad encodings', () => {
    const utf16 = new Uint8Array([0xff, 0xfe, 0x31, 0x00, 0x20, 0x00, 0x32, 0x00]);
    expect(thrown(() => parseInteractions(utf16, { fileName: 'w.txt' })).message).toMatch(/w\.txt: bad encoding: the file is UTF-16/);
    const nul = strToU8('1 2\n3 4\n5\u00006\n');
    expect(thrown(() => parseInteractions(nul, { fileName: 'n.txt' })).message).toMatch(/n\.txt:3: bad encoding: NUL byte/);
    const badUtf8 = new Uint8Array([...strToU8('1 2\n'), 0x33, 0xc3, 0x28, 0x20, 0x34, 0x0a]);
    const e = thrown(() => parseInteractions(badUtf8, { fileName: 'u.txt' }));
    expect([e.file, e.line]).toEqual(['u.txt', 2]);
    expect(e.message).toMatch(/bad encoding in user id \(invalid UTF-8/);
  });

  it('refuses empty files, header-only files and wrong headers clearly', () => {
    expect(() => parseInteractions(new Uint8Array(0), { fileName: 'e.dat' })).toThrow(/^e\.dat: the file is empty$/);
    expect(() => parseInteractions(gzipSync(new Uint8Array(0)), { fileName: 'e.dat.gz' })).toThrow(/e\.dat\.gz: the file is empty/);
    expect(() => parseInteractions('\n  \n', { fileName: 'b.txt' })).toThrow(/b\.txt: the file is empty/);
    expect(() => parseInteractions('userId,movieId,rating,timestamp\n', { fileName: 'ratings.csv' })).toThrow(/ratings\.csv: no interactions \(no data lines after the header\)/);
    expect(() => parseInteractions('1,2,3,4\n', { fileName: 'ratings.csv' })).toThrow(/ratings\.csv:1: expected the header userId,movieId,rating,timestamp/);
    expect(() => parseInteractions('a b\nc d\n', { fileName: 'x.txt', format: 'user-item', strict: false })).toThrow(/x\.txt: no interactions \(all 2 data lines were malformed; first: x\.txt:1: non-numeric user id "a"/);
    expect(() => parseInteractions('who,what\n1,2\n', { fileName: 'g.csv' })).toThrow(/cannot tell which column holds the user \(header columns: who, what\); pass --user-col NAME_OR_INDEX/);
    expect(() => parseInteractions(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), { fileName: 'c.gz' })).toThrow(/c\.gz: corrupt gzip data/);
    expect(() => parseInteractions(strToU8('PK\u0003\u0004junk'), { fileName: 'c.zip' })).toThrow(/c\.zip: corrupt zip archive/);
  });
});
