// Format presets, auto-detection and the platform-neutral entry point parseInteractions().
import { decodeText, isZip, maybeGunzip, stripGz, type TextEncoding } from './bytes.js';
import { parseDelimited, type ColumnRef, type DelimitedSpec, type ParseOptions } from './delimited.js';
import { columnList, DataFormatError, quoteLine } from './errors.js';
import type { FormatName, Interactions } from './interactions.js';
import { readMovieLensZip } from './movielens-zip.js';

export interface LoadOptions extends ParseOptions {
  /** Name used for format detection (".gz" is ignored) and in error messages. */
  fileName?: string;
  /** Explicit format; 'auto' (default) detects it from the name and the first line. */
  format?: FormatName | 'auto';
  /** 'delimited' only: separator (',' '\t' ';' '::' ... or 'whitespace'); default guessed from the first line. */
  delimiter?: string;
  /** 'delimited' only: whether the first line is a header (default: guessed, true when it holds letters). */
  header?: boolean;
  /** 'delimited' only: columns by header name or 0-based index; defaults guessed from common header names. */
  userColumn?: ColumnRef;
  itemColumn?: ColumnRef;
  /** null: no timestamp column (file order is time order). */
  timeColumn?: ColumnRef | null;
  ratingColumn?: ColumnRef | null;
  /** Text encoding (default utf-8; MovieLens .dat files are Latin-1). */
  encoding?: TextEncoding;
}

const PRESETS: Record<Exclude<FormatName, 'delimited' | 'movielens-zip'>, DelimitedSpec> = {
  'movielens-dat': { format: 'movielens-dat', delimiter: '::', header: false, user: 0, item: 1, rating: 2, time: 3, fieldCount: 4, layout: 'UserID::MovieID::Rating::Timestamp' },
  'movielens-csv': {
    format: 'movielens-csv', delimiter: ',', header: true, expectedHeader: ['userId', 'movieId', 'rating', 'timestamp'],
    user: 'userId', item: 'movieId', rating: 'rating', time: 'timestamp', fieldCount: 4, layout: 'userId,movieId,rating,timestamp',
  },
  'movielens-100k': { format: 'movielens-100k', delimiter: '\t', header: false, user: 0, item: 1, rating: 2, time: 3, fieldCount: 4, layout: 'user<TAB>item<TAB>rating<TAB>timestamp' },
  'user-item': { format: 'user-item', delimiter: 'whitespace', header: false, user: 0, item: 1, fieldCount: 2, layout: '"user item" (space or tab separated)' },
};

const USER_NAMES = ['userid', 'user_id', 'user', 'uid', 'reviewerid', 'visitorid', 'customer_id', 'customerid'];
const ITEM_NAMES = ['itemid', 'item_id', 'item', 'movieid', 'movie_id', 'iid', 'productid', 'product_id', 'asin', 'trackid', 'track_id'];
const TIME_NAMES = ['timestamp', 'time', 'ts', 'unix_time', 'unixreviewtime', 'unix_timestamp'];
const RATING_NAMES = ['rating', 'score', 'stars', 'overall'];

/** Reads interactions from raw bytes (gzip and zip detected by magic bytes) or already-decoded text. */
export function parseInteractions(input: Uint8Array | string, options: LoadOptions = {}): Interactions {
  const file = options.fileName ?? '<input>';
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    const bytes = maybeGunzip(input, file);
    if (options.format === 'movielens-zip' || ((options.format ?? 'auto') === 'auto' && isZip(bytes))) {
      return readMovieLensZip(bytes, file, options).ratings;
    }
    if (bytes.length === 0) throw new DataFormatError(file, 0, 'the file is empty');
    const latin1 = options.encoding === 'latin1' || (options.encoding === undefined && isDatName(file));
    text = decodeText(bytes, file, latin1 ? 'latin1' : 'utf-8');
  }
  const first = firstLine(text);
  if (first === null) throw new DataFormatError(file, 0, 'the file is empty (no lines)');
  const format = options.format && options.format !== 'auto' ? options.format : detectFormat(file, first);
  if (format === 'movielens-zip') throw new DataFormatError(file, 0, "format 'movielens-zip' needs the zip's bytes, not text");
  const spec = format === 'delimited' ? delimitedSpec(file, first, options) : PRESETS[format];
  return parseDelimited(text, file, spec, options);
}

/** Picks a format from the file name and the first non-blank line. */
export function detectFormat(fileName: string, first: string): FormatName {
  const base = stripGz(fileName.split(/[\\/]/).pop() ?? fileName).toLowerCase();
  const line = first.trim();
  const lower = line.toLowerCase().replace(/"/g, '');
  if (base.endsWith('.zip')) return 'movielens-zip';
  if (base === 'ratings.dat' || line.includes('::')) return 'movielens-dat';
  if (base === 'u.data') return 'movielens-100k';
  if (lower.startsWith('userid,movieid,rating,timestamp') || base === 'ratings.csv') return 'movielens-csv';
  if (/[a-z]/i.test(line)) return 'delimited'; // a header line
  const fields = line.split(/[ \t]+/);
  if (fields.length === 2 && !line.includes(',')) return 'user-item';
  if (fields.length === 4 && line.includes('\t')) return 'movielens-100k';
  if (line.includes(',') || line.includes(';')) {
    throw new DataFormatError(fileName, 0, `cannot detect the format from a header-less line ${quoteLine(line)}: pass --no-header --user-col 0 --item-col 1 [--time-col 2] (0-based column indices; in code: format 'delimited', header: false, userColumn/itemColumn/timeColumn)`);
  }
  throw new DataFormatError(
    fileName, 0,
    `cannot detect the format from ${quoteLine(line)} (${fields.length} fields); pass --format movielens-dat | movielens-csv | movielens-100k | user-item | delimited (with --sep and --user-col/--item-col/--time-col)`,
  );
}

function delimitedSpec(file: string, first: string, o: LoadOptions): DelimitedSpec {
  const delimiter = o.delimiter ?? guessDelimiter(first);
  const split = (s: string) => (delimiter === 'whitespace' ? s.trim().split(/[ \t]+/) : s.split(delimiter)).map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  const header = o.header ?? /[a-z]/i.test(first);
  const names = header ? split(first).map((h) => h.toLowerCase()) : [];
  const guess = (given: ColumnRef | null | undefined, candidates: string[], role: string, required: boolean): ColumnRef | undefined => {
    if (given === null) return undefined;
    if (given !== undefined) return given;
    const hit = names.find((n) => candidates.includes(n));
    if (hit !== undefined) return hit;
    if (!required) return undefined;
    const where = header ? `header columns: ${columnList(names)}` : 'the file has no header';
    throw new DataFormatError(file, 0, `cannot tell which column holds the ${role} (${where}); pass --${role}-col NAME_OR_INDEX (in code: ${role}Column)`);
  };
  const user = guess(o.userColumn, USER_NAMES, 'user', true)!;
  const item = guess(o.itemColumn, ITEM_NAMES, 'item', true)!;
  const time = guess(o.timeColumn, TIME_NAMES, 'time', false);
  const rating = guess(o.ratingColumn, RATING_NAMES, 'rating', false);
  const dname = delimiter === '\t' ? '<TAB>' : delimiter === 'whitespace' ? ' ' : delimiter;
  const parts = [`user(${user})`, `item(${item})`, ...(time !== undefined ? [`timestamp(${time})`] : [])];
  return { format: 'delimited', delimiter, header, user, item, time, rating, layout: `${parts.join(dname)} columns separated by ${JSON.stringify(dname)}` };
}

function guessDelimiter(line: string): string {
  if (line.includes('\t')) return '\t';
  if (line.includes(',')) return ',';
  if (line.includes(';')) return ';';
  if (line.includes('|')) return '|';
  if (line.includes('::')) return '::';
  return 'whitespace';
}

function firstLine(text: string): string | null {
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).replace(/\r$/, '').replace(/^\uFEFF/, '');
    if (line.trim().length) return line;
    pos = end + 1;
  }
  return null;
}

function isDatName(file: string): boolean {
  return /\.dat$/i.test(stripGz(file));
}
