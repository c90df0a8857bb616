// Format presets, auto-detection and the platform-neutral entry point parseInteractions().
import { Gunzip } from 'fflate';
import { checkEncoding, decodeLatin1, decodeText, isGzip, isZip, leadingBomBytes, maybeGunzip, stripGz, type TextEncoding } from './bytes.js';
import { DelimitedByteStream } from './delimited-stream.js';
import { parseDelimited, type ColumnRef, type DelimitedSpec, type ParseOptions } from './delimited.js';
import { columnList, DataFormatError, DatasetError, quoteLine } from './errors.js';
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
  /** Bytes input: the size of the pieces it is parsed in (default 16 MiB; tests use small ones). */
  chunkBytes?: number;
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
  if (typeof input === 'string') return parseInteractionsText(input, options);
  const s = new InteractionsStream(options);
  const step = Math.max(1, options.chunkBytes ?? 1 << 24);
  for (let at = 0; at < input.length; at += step) s.push(input.subarray(at, Math.min(input.length, at + step)));
  return s.end();
}

/**
 * The whole-file path: bytes are gunzipped and decoded into one string, then parsed. Kept as
 * the reference the streaming parser is tested against (V8 strings stop at ~512 MiB).
 */
export function parseInteractionsInMemory(input: Uint8Array | string, options: LoadOptions = {}): Interactions {
  const file = options.fileName ?? '<input>';
  if (typeof input === 'string') return parseInteractionsText(input, options);
  const bytes = maybeGunzip(input, file);
  if (options.format === 'movielens-zip' || ((options.format ?? 'auto') === 'auto' && isZip(bytes))) {
    return readMovieLensZip(bytes, file, options).ratings;
  }
  if (bytes.length === 0) throw new DataFormatError(file, 0, 'the file is empty');
  return parseInteractionsText(decodeText(bytes, file, fileEncoding(file, options)), options);
}

function parseInteractionsText(text: string, options: LoadOptions): Interactions {
  const file = options.fileName ?? '<input>';
  const first = firstLine(text);
  if (first === null) throw new DataFormatError(file, 0, 'the file is empty (no lines)');
  return parseDelimited(text, file, specFor(file, first, options), options);
}

function specFor(file: string, first: string, options: LoadOptions): DelimitedSpec {
  const format = options.format && options.format !== 'auto' ? options.format : detectFormat(file, first);
  if (format === 'movielens-zip') throw new DataFormatError(file, 0, "format 'movielens-zip' needs the zip's bytes, not text");
  return format === 'delimited' ? delimitedSpec(file, first, options) : PRESETS[format];
}

function fileEncoding(file: string, options: LoadOptions): TextEncoding {
  return options.encoding === 'latin1' || (options.encoding === undefined && isDatName(file)) ? 'latin1' : 'utf-8';
}

/** Bytes the format is decided on at least (decodeText's NUL probe looks at 4,096). */
const HEAD_BYTES = 4096;

/**
 * parseInteractions as a stream: push() the file's bytes in pieces of any size (gzip is
 * inflated as it comes; a zip is collected and read whole), end() returns the interactions.
 * The format is detected on the first non-blank line, as for the whole file; lines are then
 * parsed from the bytes (DelimitedByteStream), never decoded into one string, so the size of
 * the file is bounded by memory for the columns only. Same results and messages as
 * parseInteractionsInMemory (except that every member of a multi-member gzip is read).
 */
export class InteractionsStream {
  private readonly file: string;
  private readonly options: LoadOptions;
  /** undefined: not yet known (fewer than 2 bytes seen); null: not gzip. */
  private gunzip: Gunzip | null | undefined = undefined;
  private raw: Uint8Array[] = [];
  private rawBytes = 0;
  /** Decompressed bytes before the format is decided, or of a zip archive. */
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private mode: 'head' | 'zip' | 'lines' = 'head';
  private lines: DelimitedByteStream | null = null;
  /** Total decompressed bytes seen; at the start of the last gzip member. */
  private plainBytes = 0;
  private memberStart = 0;
  /** Compressed bytes seen, and the last 4 of them (gzip's trailer holds the member's size). */
  private rawTotal = 0;
  private tail = 0;

  constructor(options: LoadOptions = {}) {
    this.options = options;
    this.file = options.fileName ?? '<input>';
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.gunzip === undefined) {
      this.raw.push(chunk.slice());
      this.rawBytes += chunk.length;
      if (this.rawBytes < 2) return;
      const raw = concat(this.raw, this.rawBytes);
      this.raw = [];
      this.startGunzip(isGzip(raw));
      this.feed(raw, false);
      return;
    }
    this.feed(chunk, false);
  }

  end(): Interactions {
    if (this.gunzip === undefined) {
      const raw = concat(this.raw, this.rawBytes);
      this.raw = [];
      this.startGunzip(isGzip(raw));
      if (raw.length) this.feed(raw, false);
    }
    if (this.gunzip) this.feed(new Uint8Array(0), true);
    if (this.mode === 'head') this.decide(true);
    if (this.mode === 'zip') return readMovieLensZip(concat(this.head, this.headBytes), this.file, this.options).ratings;
    return this.lines!.end();
  }

  private startGunzip(gzip: boolean): void {
    if (!gzip) {
      this.gunzip = null;
      return;
    }
    const g = new Gunzip((data) => this.plain(data));
    g.onmember = () => {
      this.memberStart = this.plainBytes;
    };
    this.gunzip = g;
  }

  private feed(chunk: Uint8Array, final: boolean): void {
    if (!this.gunzip) return this.plain(chunk);
    try {
      this.gunzip.push(chunk, final);
    } catch (e) {
      if (e instanceof DataFormatError || e instanceof DatasetError) throw e; // from the parser, called back with the data
      throw new DataFormatError(this.file, 0, `corrupt gzip data (${e instanceof Error ? e.message : String(e)})`);
    }
    // The streaming inflater does not notice a truncated stream: the trailer's size (last 4 bytes) must match.
    this.rawTotal += chunk.length;
    for (let i = Math.max(0, chunk.length - 4); i < chunk.length; i++) this.tail = ((this.tail << 8) | chunk[i]) >>> 0;
    if (final) {
      const t = this.tail;
      const isize = ((t & 0xff) << 24 | (t & 0xff00) << 8 | (t >>> 8) & 0xff00 | t >>> 24) >>> 0;
      const got = (this.plainBytes - this.memberStart) >>> 0;
      if (this.rawTotal < 18 || isize !== got) {
        throw new DataFormatError(this.file, 0, `corrupt gzip data (truncated or damaged: ${got} bytes inflated, the trailer says ${isize})`);
      }
    }
  }

  /** Decompressed bytes. */
  private plain(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.plainBytes += chunk.length;
    if (this.mode === 'lines') return this.lines!.push(chunk);
    this.head.push(chunk.slice());
    this.headBytes += chunk.length;
    if (this.mode === 'head' && this.headBytes >= HEAD_BYTES) this.decide(false);
  }

  /** Detects the format once the first non-blank line is complete (or at the end); false: wait for more. */
  private decide(atEnd: boolean): boolean {
    const { file, options } = this;
    const bytes = concat(this.head, this.headBytes);
    this.head = [bytes];
    if (options.format === 'movielens-zip' || ((options.format ?? 'auto') === 'auto' && isZip(bytes))) {
      this.mode = 'zip';
      return true;
    }
    if (bytes.length === 0) throw new DataFormatError(file, 0, 'the file is empty');
    checkEncoding(bytes, file);
    const encoding = fileEncoding(file, options);
    const bom = leadingBomBytes(bytes, encoding);
    const first = firstLineOf(bytes, Math.min(bom, 6), encoding, atEnd);
    if (first === undefined) return false;
    if (first === null) throw new DataFormatError(file, 0, 'the file is empty (no lines)');
    const spec = specFor(file, first, options);
    this.lines = new DelimitedByteStream(file, spec, options, encoding, 1 << 16);
    this.mode = 'lines';
    this.head = [];
    this.headBytes = 0;
    this.lines.push(bytes.subarray(bom));
    return true;
  }
}

/** firstLine() of the decoded bytes from `start`: the line, null when there is none, undefined when it may still come. */
function firstLineOf(bytes: Uint8Array, start: number, encoding: TextEncoding, atEnd: boolean): string | null | undefined {
  const td = new TextDecoder('utf-8', { ignoreBOM: true });
  const decode = (b: Uint8Array) => (encoding === 'latin1' ? decodeLatin1(b) : td.decode(b));
  let pos = start;
  while (pos < bytes.length) {
    let end = bytes.indexOf(10, pos);
    if (end < 0) {
      if (!atEnd) return undefined;
      end = bytes.length;
    }
    const line = decode(bytes.subarray(pos, end)).replace(/\r$/, '').replace(/^\uFEFF/, '');
    if (line.trim().length) return line;
    pos = end + 1;
  }
  return atEnd ? null : undefined;
}

function concat(parts: Uint8Array[], n: number): Uint8Array {
  if (parts.length === 1 && parts[0].length === n) return parts[0];
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
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
