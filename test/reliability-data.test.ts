// Bad input for every loader, beyond test/data-loaders.test.ts: each error names the file, the
// line and what was expected; lenient mode skips and counts on every format (zip and gzip
// included); encodings (Latin-1 vs UTF-8) per field; users with fewer than 2 interactions.
import { readFileSync } from 'node:fs';
import { gzipSync, strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DataFormatError, DatasetError, leaveOneOut, parseInteractions, parseMovies, preprocess, readMovieLensZip } from '../src/data/index.js';
import { loadInteractionsFile } from '../src/data/node/files.js';

const fx = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0)); // one byte per char (< 256)

function dataError(f: () => unknown): DataFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFormatError);
    return e as DataFormatError;
  }
  throw new Error('expected a DataFormatError');
}

describe('malformed lines name the file, the line and the expected layout, on every format', () => {
  it.each([
    // [file name, text, line, message]
    ['ratings.csv', 'userId,movieId,rating,timestamp\n1,2,4.0,10\n1;3;4.0;11\n', 3, /ratings\.csv:3: 1 field where 4 were expected \(the line is separated by ';', not ',': wrong separator\?\); expected userId,movieId,rating,timestamp, got "1;3;4\.0;11"/],
    ['ratings.csv', 'userId,movieId,rating,timestamp\n1,2,4.0,10\n1,,4.0,11\n', 3, /ratings\.csv:3: missing item id; expected userId,movieId,rating,timestamp/],
    ['ratings.csv', 'userId,movieId,rating,timestamp\n1,2,4.0,10\n1,4294967296,4.0,11\n', 3, /ratings\.csv:3: item id 4294967296 is beyond 2\^31-1 \(2147483647\)/],
    ['ratings.csv', 'userId,movieId,rating,timestamp\n1,2,four,10\n', 2, /ratings\.csv:2: non-numeric rating "four" \(expected a number\)/],
    ['ratings.csv', 'userId,movieId,rating,timestamp\n1,2,4,1e999\n', 2, /ratings\.csv:2: timestamp 1e999 is out of range/],
    ['u.data', '1\t2\t3\t4\n1 2 3 4\n', 2, /u\.data:2: 1 field where 4 were expected \(the line is separated by space, not tab: wrong separator\?\); expected user<TAB>item<TAB>rating<TAB>timestamp/],
    ['seq.txt', '1 2\n1 2 3\n', 2, /seq\.txt:2: 3 fields where 2 were expected; expected "user item" \(space or tab separated\)/],
    ['seq.txt', '1 2\n1,2\n', 2, /seq\.txt:2: 1 field where 2 were expected \(the line is separated by ',', not spaces\/tabs: wrong separator\?\)/],
    ['seq.txt', '1 2\n+1 2\n', 2, /seq\.txt:2: non-numeric user id "\+1"/],
    ['seq.txt', '1 2\n1 0x10\n', 2, /seq\.txt:2: non-numeric item id "0x10"/],
    ['seq.txt', '1 2\n99999999999999999999 2\n', 2, /seq\.txt:2: user id 99999999999999999999 is beyond 2\^31-1/],
    ['events.tsv', 'user_id\titem_id\ttimestamp\n1\t2\t3\n1\t2\n', 3, /events\.tsv:3: 2 fields where 3 were expected; expected user\(user_id\)<TAB>item\(item_id\)<TAB>timestamp\(timestamp\) columns separated by "<TAB>"/],
    ['events.tsv', 'user_id\titem_id\ttimestamp\n1\tabc\t3\n', 2, /events\.tsv:2: non-numeric item id "abc"/],
    ['ratings.dat', '1::2::3::4\n::2::3::4\n', 2, /ratings\.dat:2: missing user id; expected UserID::MovieID::Rating::Timestamp, got "::2::3::4"/],
    ['ratings.dat', '1::2::3::4\n::::::\n', 2, /ratings\.dat:2: missing user id/],
  ])('%s %j', (fileName, text, line, message) => {
    const e = dataError(() => parseInteractions(strToU8(text), { fileName }));
    expect([e.file, e.line]).toEqual([fileName, line]);
    expect(e.message).toMatch(message);
  });

  it('long bad lines are quoted shortened in the message', () => {
    const long = `1::${'9'.repeat(500)}::5::1`;
    const e = dataError(() => parseInteractions(strToU8(`${long}\n`), { fileName: 'ratings.dat' }));
    expect(e.message.length).toBeLessThan(300);
    expect(e.message).toMatch(/^ratings\.dat:1: item id 9{40}\.\.\. is beyond 2\^31-1 .*got "1::9{77}\.\.\."$/);
    // Non-numeric fields too, and a whole file on one line (old Mac \r line ends).
    const e2 = dataError(() => parseInteractions(strToU8(`1 ${'x'.repeat(10_000)}\n`), { fileName: 'seq.txt' }));
    expect(e2.message.length).toBeLessThan(300);
    const e3 = dataError(() => parseInteractions(strToU8('1::2::3::4\r'.repeat(5000)), { fileName: 'ratings.dat' }));
    expect(e3.message.length).toBeLessThan(300);
  });

  it('errors inside archives name the archive and the entry', () => {
    const zip = zipSync({ 'ml-1m/ratings.dat': strToU8('1::2::3::4\n1::x::3::4\n'), 'ml-1m/movies.dat': strToU8('2::Film (2000)::Drama\n') });
    const e = dataError(() => parseInteractions(zip, { fileName: 'ml.zip' }));
    expect([e.file, e.line]).toEqual(['ml.zip!ml-1m/ratings.dat', 2]);
    const gz = gzipSync(strToU8('1::2::3::4\n1::2::3\n'));
    expect(dataError(() => parseInteractions(gz, { fileName: 'ratings.dat.gz' })).message).toMatch(/^ratings\.dat\.gz:2: 3 fields where 4 were expected/);
    const badMovies = zipSync({ 'ml-1m/ratings.dat': strToU8('1::2::3::4\n'), 'ml-1m/movies.dat': strToU8('2::Film (2000)::Drama\nseven::Film::Drama\n') });
    expect(dataError(() => readMovieLensZip(badMovies, 'ml.zip')).message).toMatch(/^ml\.zip!ml-1m\/movies\.dat:2: non-numeric movie id "seven"/);
  });
});

describe('lenient mode skips and counts bad lines on every format', () => {
  const mixed = (sep: string, bad: string[]) => [`1${sep}10${sep}4${sep}100`, ...bad, `2${sep}20${sep}5${sep}200`].join('\n');

  it.each([
    ['ratings.dat', mixed('::', ['1,2,3,4', '1::2::3', 'x::2::3::4', '2147483648::1::1::1']), 4],
    ['ratings.csv', `userId,movieId,rating,timestamp\n${mixed(',', ['1;2;3;4', '1,2,3', '1,2,3,soon'])}`, 3],
    ['u.data', mixed('\t', ['1 2 3 4', '1\t2\t3'])],
    ['seq.txt', '1 10\n1,2\n1 2 3\nx 1\n2 20\n', 3],
    ['events.csv', `user,item,time\n${mixed(',', ['1,,3', 'a,b,c']).replace(/,\d(,\d+)$/gm, '$1')}`, 2],
  ] as const)('%s', (fileName, text, skipped = 2) => {
    expect(() => parseInteractions(strToU8(text), { fileName })).toThrow(DataFormatError);
    for (const input of [strToU8(text), gzipSync(strToU8(text))]) {
      const d = parseInteractions(input, { fileName, strict: false });
      expect(d.length).toBe(2);
      expect([d.users[0], d.users[1]]).toEqual([1, 2]);
      expect(d.report.skipped).toBe(skipped);
      expect(d.report.firstErrors).toHaveLength(skipped);
      for (const m of d.report.firstErrors) expect(m).toMatch(new RegExp(`^${fileName.replace('.', '\\.')}:\\d+: .*expected`));
    }
  });

  it('zip archives and movies.dat too', () => {
    const zip = zipSync({ 'ml-1m/ratings.dat': strToU8('1::2::3::4\n1::x::3::4\n2::3::4::5\n'), 'ml-1m/movies.dat': strToU8('2::A (2000)::Drama\nB (2001)::Comedy\n3::C (2002)::\n') });
    expect(() => readMovieLensZip(zip, 'ml.zip')).toThrow(/ml\.zip!ml-1m\/ratings\.dat:2:/);
    const a = readMovieLensZip(zip, 'ml.zip', { strict: false });
    expect([a.ratings.length, a.ratings.report.skipped]).toEqual([2, 1]);
    expect([a.movies!.movies.size, a.movies!.skipped]).toEqual([2, 1]);
    expect(a.movies!.firstErrors[0]).toMatch(/^ml\.zip!ml-1m\/movies\.dat:2: 2 field\(s\) where 3 were expected/);
    const m = parseMovies('1::A::Drama\n1::A again::Drama\n', 'movies.dat', { strict: false });
    expect([m.movies.size, m.skipped, m.firstErrors[0]]).toEqual([1, 1, expect.stringMatching(/movies\.dat:2: duplicate movie id 1/)]);
  });
});

describe('encodings', () => {
  it('Latin-1 .dat files: accented titles decode, an accented byte in an id is a non-numeric id on its line', () => {
    const movies = parseMovies(latin1('1::Am\u00e9lie (2001)::Comedy|Romance\n'), 'movies.dat');
    expect(movies.movies.get(1)!.title).toBe('Am\u00e9lie (2001)');
    const e = dataError(() => parseInteractions(latin1('1::2::3::4\n1\u00e9::2::3::4\n'), { fileName: 'ratings.dat' }));
    expect([e.line, e.message]).toEqual([2, expect.stringMatching(/non-numeric user id "1\u00e9"/)]);
  });

  it('UTF-8 files with Latin-1 bytes: "bad encoding" on the right line and field, for ids and numbers', () => {
    const bad = (s: string) => latin1(s); // \u00e9 as the single byte 0xE9: invalid UTF-8
    const cases: Array<[string, string, number, RegExp]> = [
      ['ratings.csv', 'userId,movieId,rating,timestamp\n1,2,3,4\n1,2\u00e9,3,4\n', 3, /bad encoding in item id \(invalid UTF-8/],
      ['ratings.csv', 'userId,movieId,rating,timestamp\n1,2,3,4\n1,2,3,4\u00e9\n', 3, /bad encoding in timestamp \(invalid UTF-8/],
      ['events.tsv', 'user\titem\n1\t2\n\u00e91\t2\n', 3, /bad encoding in user id/],
    ];
    for (const [fileName, text, line, message] of cases) {
      const e = dataError(() => parseInteractions(bad(text), { fileName }));
      expect([e.file, e.line], fileName).toEqual([fileName, line]);
      expect(e.message).toMatch(message);
      // Lenient: the line is skipped, the rest kept.
      expect(parseInteractions(bad(text), { fileName, strict: false }).report.skipped).toBe(1);
    }
    // The same bytes read as Latin-1 on request are a non-numeric id instead.
    expect(() => parseInteractions(bad('1 2\n1 2\u00e9\n'), { fileName: 'x.txt', encoding: 'latin1' })).toThrow(/x\.txt:2: non-numeric item id "2\u00e9"/);
    // UTF-16 with a BOM and binary data are refused for the whole file, even in lenient mode.
    expect(() => parseInteractions(new Uint8Array([0xfe, 0xff, 0, 0x31]), { fileName: 'w.txt', strict: false })).toThrow(/w\.txt: bad encoding: the file is UTF-16/);
    expect(() => parseInteractions(readFileSync(fx('ratings-mini.dat.gz')).subarray(10), { fileName: 'bin.txt', strict: false })).toThrow(DataFormatError);
  });
});

describe('empty and degenerate files', () => {
  it('empty files, empty archive entries, archives without ratings.dat, gzip of garbage', async () => {
    expect(dataError(() => parseInteractions(zipSync({ 'ml-1m/ratings.dat': new Uint8Array(0) }), { fileName: 'e.zip' })).message).toBe('e.zip!ml-1m/ratings.dat: the file is empty');
    expect(dataError(() => parseInteractions(zipSync({ 'ml-1m/README': strToU8('hi') }), { fileName: 'r.zip' })).message).toMatch(/r\.zip: the zip archive holds no ratings\.dat/);
    expect(dataError(() => parseMovies('', 'movies.dat')).message).toMatch(/movies\.dat: the file is empty/);
    expect(dataError(() => parseInteractions(gzipSync(strToU8('\n\n\n')), { fileName: 'b.txt.gz' })).message).toMatch(/b\.txt\.gz: the file is empty/);
    const truncatedGz = readFileSync(fx('ratings-mini.dat.gz')).subarray(0, 40);
    expect(dataError(() => parseInteractions(truncatedGz, { fileName: 'ratings.dat.gz' })).message).toMatch(/ratings\.dat\.gz: corrupt gzip data/);
    await expect(loadInteractionsFile(fx('does-not-exist.dat'))).rejects.toThrow(/does-not-exist\.dat: no such file/);
    await expect(loadInteractionsFile(fx(''))).rejects.toThrow(DataFormatError); // a directory
  });

  it('users with fewer than 2 interactions: dropped and counted, or a DatasetError naming them; none left is an error', () => {
    // Users 1 and 2 have one interaction each, user 3 has three.
    const d = parseInteractions('1 10\n2 10\n3 10\n3 11\n3 12\n', { fileName: 'few.txt' });
    const ds = preprocess(d, { minItemCount: 1, minUserCount: 1 });
    const split = leaveOneOut(ds);
    expect(split.droppedUsers).toBe(2);
    expect(split.test.length).toBe(ds.numUsers);
    expect(() => leaveOneOut(ds, { onShortUser: 'error' })).toThrow(/2 user\(s\) have fewer than 2 interactions and cannot be split \(original ids 1, 2\)/);
    const single = preprocess(parseInteractions('1 10\n2 11\n', { fileName: 'one.txt' }), { minItemCount: 1, minUserCount: 1 });
    expect(() => leaveOneOut(single)).toThrow(DatasetError);
    expect(() => leaveOneOut(single)).toThrow(/no user has 2 or more interactions \(2 users\)/);
    // The default 5-core filter on such a file leaves nothing: a DatasetError naming the file.
    expect(() => preprocess(d)).toThrow(/preprocess: no interactions left after filtering \(items >= 5, users >= 5\) of 5 in few\.txt/);
  });
});
