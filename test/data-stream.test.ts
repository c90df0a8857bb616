// The streaming loader (bytes parsed in chunks, lines split across chunk boundaries) against
// the whole-file path (gunzip + decode into one string + parseDelimited): the same columns,
// reports and error messages, for CSV with a header, the `::` ML-1M format and gzip, through
// parseInteractions (chunkBytes) and loadInteractionsFile (a file read in small pieces).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInteractions, parseInteractionsInMemory, type LoadOptions } from '../src/data/formats.js';
import type { Interactions } from '../src/data/interactions.js';
import { loadInteractionsFile } from '../src/data/node/files.js';
import { parseChunked, GROUPLENS, readGroupLens } from '../src/data/node/grouplens.js';
import { rng } from './reference/random.js';

const dir = mkdtempSync(join(tmpdir(), 'data-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

function plain(d: Interactions) {
  return {
    length: d.length,
    users: Array.from(d.users),
    items: Array.from(d.items),
    timestamps: d.timestamps && Array.from(d.timestamps),
    ratings: d.ratings && Array.from(d.ratings),
    report: d.report,
  };
}

/** The result or the error message. */
function outcome(f: () => Interactions): unknown {
  try {
    return plain(f());
  } catch (e) {
    return { error: (e as Error).name, message: (e as Error).message };
  }
}

const csv = `userId,movieId,rating,timestamp\r\n${Array.from({ length: 400 }, (_, k) => `${1 + (k % 13)},${100 + ((k * 7) % 61)},${(1 + (k % 10)) / 2},${1_000_000_000 + k * 37}`).join('\r\n')}\r\n`;
const dat = `${Array.from({ length: 400 }, (_, k) => `${1 + (k % 11)}::${1 + ((k * 5) % 47)}::${1 + (k % 5)}::${978_300_000 + k}`).join('\n')}`; // no final line break
const CHUNKS = [1, 2, 3, 5, 7, 64, 1000, 4097];

describe('streaming parse = whole-file parse', () => {
  const cases: Array<{ name: string; bytes: Uint8Array; options: LoadOptions }> = [
    { name: 'ratings.csv (header, CRLF)', bytes: strToU8(csv), options: { fileName: 'ratings.csv' } },
    { name: 'ratings.dat (::, no final newline)', bytes: strToU8(dat), options: { fileName: 'ratings.dat' } },
    { name: 'ratings.dat.gz', bytes: gzipSync(strToU8(dat)), options: { fileName: 'ratings.dat.gz' } },
    { name: 'ratings.csv.gz', bytes: gzipSync(strToU8(csv), { level: 1 }), options: { fileName: 'ratings.csv.gz' } },
    { name: 'generic CSV, quoted fields, BOM, blank lines', bytes: strToU8(`\uFEFFuser,"item",time,title\n\n1,"2",3,"a, b"\n  \n1,3,4,x\n2,"4",5,"say ""hi"""\n2,5,6,y\n`), options: { fileName: 'events.csv' } },
    { name: 'user-item, tabs and spaces', bytes: strToU8('1 2\n1\t3\n  2   4  \n2 5\r\n'), options: { fileName: 'seq.txt' } },
    { name: 'ml-1m fixture zip', bytes: fixture('ml-1m-mini.zip'), options: { fileName: 'ml-1m.zip' } },
  ];
  for (const c of cases) {
    it(`${c.name}: every chunk size, also read from a file`, async () => {
      const whole = plain(parseInteractionsInMemory(c.bytes, c.options));
      expect(whole.length).toBeGreaterThan(3);
      for (const chunkBytes of CHUNKS) expect(plain(parseInteractions(c.bytes, { ...c.options, chunkBytes })), `chunkBytes ${chunkBytes}`).toEqual(whole);
      const path = join(dir, c.options.fileName!);
      writeFileSync(path, c.bytes);
      for (const chunkBytes of [3, 64, 4 << 20]) {
        expect(plain(await loadInteractionsFile(path, { chunkBytes })), `file, chunkBytes ${chunkBytes}`).toEqual({ ...whole, report: { ...whole.report, file: whole.report.file.replace(c.options.fileName!, path) } });
      }
    });
  }

  it('a line split across chunks keeps its line number in messages; lenient reports match', () => {
    const bad = strToU8(csv.replace('\r\n7,', '\r\n7x,').replace(',1.5,', ',1.5e,'));
    for (const strict of [true, false]) {
      const whole = outcome(() => parseInteractionsInMemory(bad, { fileName: 'ratings.csv', strict }));
      for (const chunkBytes of CHUNKS) expect(outcome(() => parseInteractions(bad, { fileName: 'ratings.csv', strict, chunkBytes }))).toEqual(whole);
    }
    expect(outcome(() => parseInteractions(bad, { fileName: 'ratings.csv', chunkBytes: 5 }))).toMatchObject({ message: expect.stringMatching(/^ratings\.csv:4: non-numeric rating "1\.5e"/) });
  });

  it('gzip: several members are all read; a truncated stream is an error', () => {
    const two = new Uint8Array([...gzipSync(strToU8('1 2\n3 4\n')), ...gzipSync(strToU8('5 6\n'))]);
    expect(Array.from(parseInteractions(two, { fileName: 'seq.txt.gz', chunkBytes: 3 }).items)).toEqual([2, 4, 6]);
    const gz = gzipSync(strToU8(dat));
    for (const cut of [5, 20, gz.length - 9, gz.length - 1]) {
      for (const chunkBytes of [1, 7, 1 << 20]) expect(() => parseInteractions(gz.subarray(0, cut), { fileName: 'ratings.dat.gz', chunkBytes })).toThrow(/ratings\.dat\.gz: corrupt gzip data/);
    }
  });

  it('mutated files (random bytes, chunk sizes, strict and lenient): same result or same message as the whole-file path', () => {
    const r = rng(20261204);
    const sources: Array<[string, Uint8Array, LoadOptions]> = [
      ['ratings.dat', fixture('ratings-mini.dat'), {}],
      ['ratings.dat', fixture('ratings-bad.dat'), {}],
      ['ratings.csv', fixture('ratings-mini.csv'), {}],
      ['events.tsv', fixture('ratings-mini.tsv'), {}],
      ['seq.txt', fixture('user-item-mini.txt'), {}],
      ['any.csv', fixture('ratings-mini.csv'), { format: 'delimited', delimiter: ',', userColumn: 0, itemColumn: 'movieId', timeColumn: 3 }],
      ['latin.txt', fixture('ratings-mini.tsv'), { encoding: 'latin1' }],
    ];
    const alphabet = [...'0123456789::,;\t \n\r\n"-+.eE|xA'].map((ch) => ch.charCodeAt(0)).concat([0, 0xff, 0xfe, 0xe9, 0xc3, 0xa9, 0x80, 0xef, 0xbb, 0xbf, 0xa0]);
    let compared = 0;
    let accepted = 0;
    for (let i = 0; i < 1500; i++) {
      const [fileName, src, options] = sources[Math.floor(r() * sources.length)];
      const bytes = src.slice();
      const edits = 1 + Math.floor(r() * 6);
      let out = Array.from(bytes);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(r() * (out.length + 1));
        const b = r() < 0.8 ? alphabet[Math.floor(r() * alphabet.length)] : Math.floor(r() * 256);
        const op = r();
        if (op < 0.4) out[at] = b;
        else if (op < 0.7) out.splice(at, 0, b);
        else if (op < 0.9) out.splice(at, 1 + Math.floor(r() * 20));
        else out = out.slice(0, at);
      }
      const input = Uint8Array.from(out);
      const gz = r() < 0.2;
      const data = gz ? gzipSync(input) : input;
      const name = gz ? `${fileName}.gz` : fileName;
      const strict = r() < 0.5;
      const chunkBytes = 1 + Math.floor(r() * 300);
      const whole = outcome(() => parseInteractionsInMemory(data, { ...options, fileName: name, strict }));
      const streamed = outcome(() => parseInteractions(data, { ...options, fileName: name, strict, chunkBytes }));
      expect(streamed, `${name} #${i} strict=${strict} chunk=${chunkBytes}: ${JSON.stringify(new TextDecoder().decode(input).slice(0, 200))}`).toEqual(whole);
      compared++;
      if (!('error' in (whole as object))) accepted++;
    }
    expect(compared).toBe(1500);
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('GroupLens zip entries, streamed', () => {
  it('ratings.csv inside ml-20m.zip: same as parsing the entry whole, with line numbers of the file', async () => {
    const zip = zipSync({ 'ml-20m/ratings.csv': strToU8(csv), 'ml-20m/movies.csv': strToU8('movieId,title,genres\n100,Film (1990),Drama\n') });
    const path = join(dir, 'ml-20m.zip');
    writeFileSync(path, zip);
    const spec = GROUPLENS['ml-20m'].spec;
    const whole = plain(parseChunked(strToU8(csv), `${path}!ml-20m/ratings.csv`, spec, 'utf-8'));
    const { ratings, movies } = await readGroupLens('ml-20m', path);
    expect(plain(ratings)).toEqual(whole);
    expect(movies.movies.get(100)!.title).toBe('Film (1990)');
    writeFileSync(path, zipSync({ 'ml-20m/ratings.csv': strToU8(csv.replace('\r\n7,', '\r\n7x,')), 'ml-20m/movies.csv': strToU8('movieId,title,genres\n') }));
    await expect(readGroupLens('ml-20m', path)).rejects.toThrow(/ml-20m\.zip!ml-20m\/ratings\.csv:\d+: non-numeric user id "7x"/);
  });
});
