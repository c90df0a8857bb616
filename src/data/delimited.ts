// Line-oriented parser for every delimited interaction format (the presets in formats.ts
// describe MovieLens .dat/.csv, u.data, "user item" and generic CSV/TSV with it).
import { columnList, DataFormatError, quoteLine } from './errors.js';
import { parseId, parseNumber } from './fields.js';
import { InteractionsBuilder, type FormatName, type Interactions, type ParseReport } from './interactions.js';

/** A column, by 0-based index or by header name. */
export type ColumnRef = number | string;

export interface DelimitedSpec {
  format: FormatName;
  /** Field separator; 'whitespace' = runs of spaces and/or tabs. */
  delimiter: string;
  /** Whether the first non-blank line is a header. */
  header: boolean;
  /** When set, the header must equal these names (case-insensitive). */
  expectedHeader?: string[];
  user: ColumnRef;
  item: ColumnRef;
  time?: ColumnRef;
  rating?: ColumnRef;
  /** Exact number of fields per line; undefined = at least enough for the columns used. */
  fieldCount?: number;
  /** Line layout for messages, e.g. "UserID::MovieID::Rating::Timestamp". */
  layout: string;
}

export interface ParseOptions {
  /** true (default): the first malformed line throws. false: skip, count and report bad lines. */
  strict?: boolean;
  /** How many skipped-line messages the report keeps (default 5). */
  maxReportedErrors?: number;
}

const SEPARATORS = ['::', '\t', ',', ';', '|', ' '];

export function parseDelimited(text: string, file: string, spec: DelimitedSpec, options: ParseOptions = {}): Interactions {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte-order mark
  const p = new DelimitedLineParser(file, spec, options, estimateLines(text));
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    pos = end + 1;
    p.line(++lineNo, line);
  }
  return p.finish(lineNo);
}

/**
 * The per-line state machine behind parseDelimited and the byte-level streaming parser
 * (delimited-stream.ts): header resolution, field checks, messages, lenient-mode report.
 */
export class DelimitedLineParser {
  readonly builder: InteractionsBuilder;
  readonly report: ParseReport;
  /** Resolved column indices; null until the header line has been read. */
  cols: { user: number; item: number; time: number; rating: number } | null;
  minFields: number;
  sawContent = false;
  private readonly split: (line: string) => string[];
  private readonly strict: boolean;
  private readonly maxReported: number;

  constructor(
    readonly file: string,
    readonly spec: DelimitedSpec,
    options: ParseOptions,
    capacity: number,
  ) {
    this.strict = options.strict ?? true;
    this.maxReported = options.maxReportedErrors ?? 5;
    this.report = { file, format: spec.format, lines: 0, parsed: 0, skipped: 0, firstErrors: [] };
    this.split = splitter(spec.delimiter);
    this.cols = spec.header ? null : resolve(spec, null, file, 0);
    this.minFields = this.cols ? Math.max(this.cols.user, this.cols.item, this.cols.time, this.cols.rating) + 1 : 0;
    this.builder = new InteractionsBuilder(capacity, spec.time !== undefined, spec.rating !== undefined);
  }

  bad(lineNo: number, line: string, detail: string): void {
    const err = new DataFormatError(this.file, lineNo, `${detail}; expected ${this.spec.layout}, got ${quoteLine(line)}`);
    if (this.strict) throw err;
    this.report.skipped++;
    if (this.report.firstErrors.length < this.maxReported) this.report.firstErrors.push(err.message);
  }

  /** One physical line (its line end, LF or CRLF, already removed). */
  line(lineNo: number, line: string): void {
    if (line.trim().length === 0) return;
    this.sawContent = true;
    const { spec } = this;
    const cols = this.cols;
    if (cols === null) {
      const c = (this.cols = resolve(spec, this.split(line).map((h) => unquote(h.trim())), this.file, lineNo));
      this.minFields = Math.max(c.user, c.item, c.time, c.rating) + 1;
      return;
    }
    if (spec.delimiter === 'whitespace') line = line.trim();
    const f = this.split(line);
    if (spec.fieldCount !== undefined ? f.length !== spec.fieldCount : f.length < this.minFields) {
      const want = spec.fieldCount ?? this.minFields;
      this.bad(lineNo, line, `${f.length} field${f.length === 1 ? '' : 's'} where ${want} were expected${separatorHint(line, spec.delimiter)}`);
      return;
    }
    const user = parseId(unquote(f[cols.user]), 'user id');
    if (typeof user === 'string') return this.bad(lineNo, line, user);
    const item = parseId(unquote(f[cols.item]), 'item id');
    if (typeof item === 'string') return this.bad(lineNo, line, item);
    let time = 0;
    if (cols.time >= 0) {
      const t = parseNumber(unquote(f[cols.time]), 'timestamp');
      if (typeof t === 'string') return this.bad(lineNo, line, t);
      time = t;
    }
    let rating = 0;
    if (cols.rating >= 0) {
      const r = parseNumber(unquote(f[cols.rating]), 'rating');
      if (typeof r === 'string') return this.bad(lineNo, line, r);
      rating = r;
    }
    this.builder.push(user, item, time, rating);
  }

  /** The interactions, after `lines` physical lines; the end-of-file checks. */
  finish(lines: number): Interactions {
    const { report, builder, file, spec } = this;
    report.lines = lines;
    if (!this.sawContent) throw new DataFormatError(file, 0, `the file is empty; expected lines of ${spec.layout}`);
    if (builder.length === 0) {
      const why = report.skipped ? `all ${report.skipped} data lines were malformed; first: ${report.firstErrors[0]}` : 'no data lines after the header';
      throw new DataFormatError(file, 0, `no interactions (${why})`);
    }
    return builder.finish(report);
  }
}

function resolve(spec: DelimitedSpec, header: string[] | null, file: string, lineNo: number) {
  if (header && spec.expectedHeader) {
    const ok = header.length === spec.expectedHeader.length && header.every((h, i) => h.toLowerCase() === spec.expectedHeader![i].toLowerCase());
    if (!ok) throw new DataFormatError(file, lineNo, `expected the header ${spec.expectedHeader.join(spec.delimiter)}, got ${quoteLine(header.join(spec.delimiter))}`);
  }
  const find = (ref: ColumnRef | undefined, role: string): number => {
    if (ref === undefined) return -1;
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref < 0) throw new DataFormatError(file, 0, `${role} column index must be a non-negative integer, got ${ref}`);
      return ref;
    }
    if (!header) throw new DataFormatError(file, 0, `${role} column '${ref}' is named but the file has no header; pass a 0-based column index`);
    const i = header.findIndex((h) => h.toLowerCase() === ref.toLowerCase());
    if (i < 0) throw new DataFormatError(file, lineNo, `no ${role} column '${ref}' in the header (columns: ${columnList(header)})`);
    return i;
  };
  return { user: find(spec.user, 'user'), item: find(spec.item, 'item'), time: find(spec.time, 'timestamp'), rating: find(spec.rating, 'rating') };
}

function splitter(delimiter: string): (line: string) => string[] {
  if (delimiter === 'whitespace') return (line) => line.split(/[ \t]+/);
  if (delimiter.length === 1) return (line) => (line.includes('"') ? splitQuoted(line, delimiter) : line.split(delimiter));
  return (line) => line.split(delimiter);
}

/** Splits one CSV line honouring double quotes ("a,b" stays one field; "" is a quote). */
function splitQuoted(line: string, d: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === d) { out.push(cur); cur = ''; }
    else cur += c;
  }
  out.push(cur);
  return out;
}

function unquote(s: string): string {
  return s.length >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(s.length - 1) === 34 ? s.slice(1, -1) : s;
}

function separatorHint(line: string, expected: string): string {
  const name = (d: string) => (d === '\t' ? 'tab' : d === ' ' ? 'space' : `'${d}'`);
  if (expected === 'whitespace') {
    const found = SEPARATORS.find((d) => d !== ' ' && d !== '\t' && line.includes(d));
    return found && !/[ \t]/.test(line) ? ` (the line is separated by ${name(found)}, not spaces/tabs: wrong separator?)` : '';
  }
  if (!line.includes(expected)) {
    const found = SEPARATORS.find((d) => d !== expected && line.includes(d));
    if (found) return ` (the line is separated by ${name(found)}, not ${name(expected)}: wrong separator?)`;
    return ` (no ${name(expected)} separator found)`;
  }
  return '';
}

function estimateLines(text: string): number {
  // Rough capacity guess (~12 bytes per line) to avoid most regrowth.
  return Math.ceil(text.length / 12);
}
