// Node-only: the official GroupLens MovieLens zips (--dataset ml-100k|ml-1m|ml-20m|ml-25m),
// downloaded once into the cache directory and verified (download.ts), then read: ratings and
// titles. Checks: ml-1m size + MD5 + SHA-256 (measured on the file); ml-100k, ml-20m, ml-25m
// MD5 only, the values GroupLens publishes beside each zip (ml-*.zip.md5); their sizes and
// SHA-256 were not available here, so they are not checked.
import { readFile } from 'node:fs/promises';
import { decodeText, readZip } from '../bytes.js';
import { parseDelimited, type DelimitedSpec, type ParseOptions } from '../delimited.js';
import { DelimitedFileStream } from '../delimited-stream.js';
import { inflateEntry, zipEntries } from '../zip-entries.js';
import { DataFormatError } from '../errors.js';
import { InteractionsBuilder, type Interactions } from '../interactions.js';
import { parseMoviesAny, type MovieCatalog } from '../movies.js';
import { ensureMovieLens1M, MOVIELENS_1M, type DownloadOptions } from './download.js';

export const DATASET_NAMES = ['ml-100k', 'ml-1m', 'ml-20m', 'ml-25m'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface GroupLensArchive {
  url: string;
  fileName: string;
  size: number | null;
  md5: string;
  sha256: string | null;
  /** Path inside the zip of the ratings and of the titles. */
  ratings: string;
  movies: string;
  spec: DelimitedSpec;
  encoding: 'latin1' | 'utf-8';
}

const BASE = 'https://files.grouplens.org/datasets/movielens';
const CSV_SPEC: DelimitedSpec = {
  format: 'movielens-csv', delimiter: ',', header: true, expectedHeader: ['userId', 'movieId', 'rating', 'timestamp'],
  user: 'userId', item: 'movieId', rating: 'rating', time: 'timestamp', fieldCount: 4, layout: 'userId,movieId,rating,timestamp',
};

export const GROUPLENS: Record<DatasetName, GroupLensArchive> = {
  'ml-100k': {
    url: `${BASE}/ml-100k.zip`, fileName: 'ml-100k.zip', size: null, md5: '0e33842e24a9c977be4e0107933c0723', sha256: null,
    ratings: 'ml-100k/u.data', movies: 'ml-100k/u.item', encoding: 'latin1',
    spec: { format: 'movielens-100k', delimiter: '\t', header: false, user: 0, item: 1, rating: 2, time: 3, fieldCount: 4, layout: 'user<TAB>item<TAB>rating<TAB>timestamp' },
  },
  'ml-1m': {
    url: MOVIELENS_1M.url, fileName: MOVIELENS_1M.fileName, size: MOVIELENS_1M.size, md5: MOVIELENS_1M.md5, sha256: MOVIELENS_1M.sha256,
    ratings: 'ml-1m/ratings.dat', movies: 'ml-1m/movies.dat', encoding: 'latin1',
    spec: { format: 'movielens-zip', delimiter: '::', header: false, user: 0, item: 1, rating: 2, time: 3, fieldCount: 4, layout: 'UserID::MovieID::Rating::Timestamp' },
  },
  'ml-20m': {
    url: `${BASE}/ml-20m.zip`, fileName: 'ml-20m.zip', size: null, md5: 'cd245b17a1ae2cc31bb14903e1204af3', sha256: null,
    ratings: 'ml-20m/ratings.csv', movies: 'ml-20m/movies.csv', encoding: 'utf-8', spec: CSV_SPEC,
  },
  'ml-25m': {
    url: `${BASE}/ml-25m.zip`, fileName: 'ml-25m.zip', size: null, md5: '6b51fb2759a8657d3bfcbfc42b592ada', sha256: null,
    ratings: 'ml-25m/ratings.csv', movies: 'ml-25m/movies.csv', encoding: 'utf-8', spec: CSV_SPEC,
  },
};

/** Bytes per parsed chunk: V8 strings stop at ~512 MiB, and ml-20m's ratings.csv is 533 MB. */
const CHUNK_BYTES = 64 << 20;

/**
 * The archive's path in cacheDir, downloaded and verified when missing. `options.url`
 * replaces the GroupLens address (tests: a local server); checksums can be overridden only
 * through options (tests), never silently.
 */
export async function ensureGroupLens(name: DatasetName, cacheDir: string, options: DownloadOptions = {}): Promise<string> {
  const a = GROUPLENS[name];
  return ensureMovieLens1M(cacheDir, { url: a.url, fileName: a.fileName, size: a.size, md5: a.md5, sha256: a.sha256, ...options });
}

/** Reads ratings and titles from a GroupLens zip already on disk. */
export async function readGroupLens(name: DatasetName, path: string, options: ParseOptions = {}): Promise<{ ratings: Interactions; movies: MovieCatalog }> {
  const a = GROUPLENS[name];
  const bytes = new Uint8Array(await readFile(path));
  const listed = zipEntries(bytes);
  if (listed) {
    // The ratings entry is inflated and parsed in pieces: never whole, never one string.
    for (const p of [a.ratings, a.movies]) if (!listed.has(p)) throw new DataFormatError(path, 0, `the zip archive holds no ${p} (is it the official ${a.fileName}?)`);
    const name = `${path}!${a.ratings}`;
    const stream = new DelimitedFileStream(name, a.spec, a.encoding, options);
    inflateEntry(bytes, listed.get(a.ratings)!, path, (chunk) => stream.push(chunk));
    const ratings = stream.end();
    const movieBytes = readZip(bytes, path, (p) => p === a.movies)[a.movies];
    return { ratings, movies: parseMoviesAny(movieBytes, `${path}!${a.movies}`, { strict: false }) };
  }
  const entries = readZip(bytes, path, (p) => p === a.ratings || p === a.movies);
  for (const p of [a.ratings, a.movies]) if (!entries[p]) throw new DataFormatError(path, 0, `the zip archive holds no ${p} (is it the official ${a.fileName}?)`);
  const ratings = parseChunked(entries[a.ratings], `${path}!${a.ratings}`, a.spec, a.encoding, options);
  const movies = parseMoviesAny(entries[a.movies], `${path}!${a.movies}`, { strict: false });
  return { ratings, movies };
}

/**
 * parseDelimited over chunks of whole lines (for files beyond V8's string limit). Messages
 * about a later chunk name the file as "FILE (from line N)" with lines counted from there.
 * readGroupLens now streams the entry instead (line numbers of the whole file); this stays
 * for an archive zipEntries() does not understand.
 */
export function parseChunked(bytes: Uint8Array, file: string, spec: DelimitedSpec, encoding: 'latin1' | 'utf-8', options: ParseOptions = {}, chunkBytes = CHUNK_BYTES): Interactions {
  if (bytes.length <= chunkBytes) return parseDelimited(decodeText(bytes, file, encoding), file, spec, options);
  let header: string[] | null = null;
  const parts: Interactions[] = [];
  let lineNo = 0;
  for (let from = 0; from < bytes.length; ) {
    let to = Math.min(bytes.length, from + chunkBytes);
    while (to < bytes.length && bytes[to - 1] !== 10) to++;
    const text = decodeText(bytes.subarray(from, to), file, encoding);
    const name = from === 0 ? file : `${file} (from line ${lineNo + 1})`;
    let chunkSpec = spec;
    if (spec.header && header) {
      // Later chunks have no header line: columns by index, as the first chunk's header resolved them.
      const index = (ref: string | number | undefined) => (typeof ref === 'string' ? header!.findIndex((h) => h.toLowerCase() === ref.toLowerCase()) : ref);
      chunkSpec = { ...spec, header: false, expectedHeader: undefined, user: index(spec.user)!, item: index(spec.item)!, time: index(spec.time), rating: index(spec.rating) };
    }
    if (spec.header && !header) header = text.slice(0, text.indexOf('\n')).replace(/\r$/, '').replace(/^\uFEFF/, '').split(spec.delimiter);
    parts.push(parseDelimited(text, name, chunkSpec, options));
    for (let i = from; i < to; i++) if (bytes[i] === 10) lineNo++;
    from = to;
  }
  const n = parts.reduce((s, p) => s + p.length, 0);
  const b = new InteractionsBuilder(n, parts[0].timestamps !== null, parts[0].ratings !== null);
  for (const p of parts) for (let i = 0; i < p.length; i++) b.push(p.users[i], p.items[i], p.timestamps ? p.timestamps[i] : 0, p.ratings ? p.ratings[i] : 0);
  const r = parts[0].report;
  return b.finish({ ...r, file, lines: lineNo, skipped: parts.reduce((s, p) => s + p.report.skipped, 0), firstErrors: parts.flatMap((p) => p.report.firstErrors).slice(0, 5) });
}
