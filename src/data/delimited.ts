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
  const strict = options.strict ?? true;
  const maxReported = options.maxReportedErrors ?? 5;
  const report: ParseReport = { file, format: spec.format, lines: 0, parsed: 0, skipped: 0, firstErrors: [] };
  const split = splitter(spec.delimiter);
  let cols: { user: number; item: number; time: number; rating: number } | null = spec.header ? null : resolve(spec, null, file, 0);
  const needed = cols ? Math.max(cols.user, cols.item, cols.time, cols.rating) + 1 : 0;
  let minFields = needed;
  const builder = new InteractionsBuilder(estimateLines(text), spec.time !== undefined, spec.rating !== undefined);

  const bad = (lineNo: number, line: string, detail: string): void => {
    const err = new DataFormatError(file, lineNo, `${detail}; expected ${spec.layout}, got ${quoteLine(line)}`);
    if (strict) throw err;
    report.skipped++;
    if (report.firstErrors.length < maxReported) report.firstErrors.push(err.message);
  };

  let pos = 0;
  let lineNo = 0;
  let sawContent = false;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    pos = end + 1;
    lineNo++;
    if (line.trim().length === 0) continue;
    sawContent = true;
    if (cols === null) {
      cols = resolve(spec, split(line).map((h) => unquote(h.trim())), file, lineNo);
      minFields = Math.max(cols.user, cols.item, cols.time, cols.rating) + 1;
      continue;
    }
    if (spec.delimiter === 'whitespace') line = line.trim();
    const f = split(line);
    if (spec.fieldCount !== undefined ? f.length !== spec.fieldCount : f.length < minFields) {
      const want = spec.fieldCount ?? minFields;
      bad(lineNo, line, `${f.length} field${f.length === 1 ? '' : 's'} where ${want} were expected${separatorHint(line, spec.delimiter)}`);
      continue;
    }
    const user = parseId(unquote(f[cols.user]), 'user id');
    if (typeof user === 'string') { bad(lineNo, line, user); continue; }
    const item = parseId(unquote(f[cols.item]), 'item id');
    if (typeof item === 'string') { bad(lineNo, line, item); continue; }
    let time = 0;
    if (cols.time >= 0) {
      const t = parseNumber(unquote(f[cols.time]), 'timestamp');
      if (typeof t === 'string') { bad(lineNo, line, t); continue; }
      time = t;
    }
    let rating = 0;
    if (cols.rating >= 0) {
      const r = parseNumber(unquote(f[cols.rating]), 'rating');
      if (typeof r === 'string') { bad(lineNo, line, r); continue; }
      rating = r;
    }
    builder.push(user, item, time, rating);
  }
  report.lines = lineNo;
  if (!sawContent) throw new DataFormatError(file, 0, `the file is empty; expected lines of ${spec.layout}`);
  if (builder.length === 0) {
    const why = report.skipped ? `all ${report.skipped} data lines were malformed; first: ${report.firstErrors[0]}` : 'no data lines after the header';
    throw new DataFormatError(file, 0, `no interactions (${why})`);
  }
  return builder.finish(report);
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
