// Streaming, byte-level front end of the delimited parser: bytes arrive in chunks of any size
// (a line may be split across chunks), lines are cut at LF (a CR before it is dropped) and a
// plain line (printable ASCII and tabs, no quotes) is split and its ids and numbers are parsed
// straight from the bytes into the typed columns: no per-line strings or objects. Any other
// line (a header, a quote, a non-ASCII byte, a field that is not a plain number, a wrong
// field count) is decoded and handed to DelimitedLineParser, the per-line logic of
// parseDelimited, so values, messages and lenient-mode reports are the same as for the text.
import { checkEncoding, decodeLatin1, leadingBomBytes, type TextEncoding } from './bytes.js';
import { DelimitedLineParser, type DelimitedSpec, type ParseOptions } from './delimited.js';
import { MAX_ID } from './fields.js';
import type { Interactions } from './interactions.js';

/** Fields a plain line may have on the fast path (more: decoded and parsed as text). */
const MAX_FIELDS = 64;
/** 10^k for k = 0..15, exact in doubles. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

export class DelimitedByteStream {
  private readonly p: DelimitedLineParser;
  private lineNo = 0;
  /** The unfinished last line of earlier chunks. */
  private carry: Uint8Array[] = [];
  private carryBytes = 0;
  private readonly decode: (bytes: Uint8Array) => string;
  private readonly fields = new Int32Array(2 * MAX_FIELDS);
  /** 'whitespace', or the delimiter's bytes (ASCII, 1 or 2 of them), or null: every line as text. */
  private readonly mode: 'whitespace' | 'delimiter' | 'text';
  private readonly d0: number;
  private readonly d1: number;
  private readonly dlen: number;

  constructor(file: string, spec: DelimitedSpec, options: ParseOptions, encoding: TextEncoding, capacity = 0) {
    this.p = new DelimitedLineParser(file, spec, options, capacity);
    if (encoding === 'latin1') {
      this.decode = decodeLatin1;
    } else {
      const td = new TextDecoder('utf-8', { ignoreBOM: true }); // a BOM inside the file stays a character, as in the text
      this.decode = (b) => td.decode(b);
    }
    const d = spec.delimiter;
    const ascii = d !== 'whitespace' && (d.length === 1 || d.length === 2) && /^[\x20-\x7e\t]+$/.test(d) && !/["0-9.]/.test(d);
    this.mode = d === 'whitespace' ? 'whitespace' : ascii ? 'delimiter' : 'text';
    this.dlen = ascii ? d.length : 0;
    this.d0 = ascii ? d.charCodeAt(0) : -1;
    this.d1 = ascii && d.length === 2 ? d.charCodeAt(1) : -1;
  }

  /** Parses the complete lines of `chunk` and keeps the rest for the next one. The chunk may be reused afterwards. */
  push(chunk: Uint8Array): void {
    let s = 0;
    if (this.carryBytes > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.carry.push(chunk.slice());
        this.carryBytes += chunk.length;
        return;
      }
      const line = new Uint8Array(this.carryBytes + nl);
      let at = 0;
      for (const c of this.carry) {
        line.set(c, at);
        at += c.length;
      }
      line.set(chunk.subarray(0, nl), at);
      this.carry = [];
      this.carryBytes = 0;
      this.line(line, 0, line.length);
      s = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(10, s);
      if (nl < 0) break;
      this.line(chunk, s, nl);
      s = nl + 1;
    }
    if (s < chunk.length) {
      this.carry.push(chunk.slice(s));
      this.carryBytes += chunk.length - s;
    }
  }

  /** The last line (when the file does not end with a line break) and the end-of-file checks. */
  end(): Interactions {
    if (this.carryBytes > 0) {
      const line = new Uint8Array(this.carryBytes);
      let at = 0;
      for (const c of this.carry) {
        line.set(c, at);
        at += c.length;
      }
      this.carry = [];
      this.carryBytes = 0;
      this.line(line, 0, line.length);
    }
    return this.p.finish(this.lineNo);
  }

  private line(buf: Uint8Array, s: number, e: number): void {
    const lineNo = ++this.lineNo;
    if (e > s && buf[e - 1] === 13) e--;
    if (this.p.cols !== null && this.mode !== 'text' && this.fast(buf, s, e)) return;
    this.p.line(lineNo, this.decode(buf.subarray(s, e)));
  }

  /** A plain line parsed from its bytes: true when done (pushed or blank), false to parse it as text instead. */
  private fast(buf: Uint8Array, s: number, e: number): boolean {
    const F = this.fields;
    let nf = 0;
    let blank = true;
    if (this.mode === 'whitespace') {
      let start = -1;
      for (let i = s; i < e; i++) {
        const c = buf[i];
        if (c === 32 || c === 9) {
          if (start >= 0) {
            if (nf === MAX_FIELDS) return false;
            F[2 * nf] = start;
            F[2 * nf + 1] = i;
            nf++;
            start = -1;
          }
          continue;
        }
        if (c >= 0x7f || c < 32 || c === 34) return false;
        blank = false;
        if (start < 0) start = i;
      }
      if (blank) return true;
      if (start >= 0) {
        if (nf === MAX_FIELDS) return false;
        F[2 * nf] = start;
        F[2 * nf + 1] = e;
        nf++;
      }
    } else {
      const d0 = this.d0;
      const d1 = this.d1;
      const two = this.dlen === 2;
      let start = s;
      for (let i = s; i < e; i++) {
        const c = buf[i];
        if (c >= 0x7f || (c < 32 && c !== 9) || c === 34) return false;
        if (c !== 32 && c !== 9) blank = false;
        if (c === d0 && (!two || (i + 1 < e && buf[i + 1] === d1))) {
          if (nf === MAX_FIELDS - 1) return false;
          F[2 * nf] = start;
          F[2 * nf + 1] = i;
          nf++;
          if (two) i++;
          start = i + 1;
        }
      }
      if (blank) return true;
      F[2 * nf] = start;
      F[2 * nf + 1] = e;
      nf++;
    }
    const p = this.p;
    const cols = p.cols!;
    const want = p.spec.fieldCount;
    if (want !== undefined ? nf !== want : nf < p.minFields) return false;
    const user = id(buf, F[2 * cols.user], F[2 * cols.user + 1]);
    if (user < 0) return false;
    const item = id(buf, F[2 * cols.item], F[2 * cols.item + 1]);
    if (item < 0) return false;
    let time = 0;
    if (cols.time >= 0) {
      time = num(buf, F[2 * cols.time], F[2 * cols.time + 1]);
      if (time !== time) return false;
    }
    let rating = 0;
    if (cols.rating >= 0) {
      rating = num(buf, F[2 * cols.rating], F[2 * cols.rating + 1]);
      if (rating !== rating) return false;
    }
    p.sawContent = true;
    p.builder.push(user, item, time, rating);
    return true;
  }
}

/** A decimal id 0..2^31-1 (digits only), or -1 for anything else (then parsed as text, for the message). */
function id(buf: Uint8Array, s: number, e: number): number {
  if (s >= e) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
    if (v > MAX_ID) return -1;
  }
  return v;
}

/**
 * "123", "4.5", "5.", ".5" with at most 15 digits, or NaN for anything else (signs, exponents,
 * more digits: parsed as text). mantissa / 10^k is the correctly rounded value, as Number().
 */
function num(buf: Uint8Array, s: number, e: number): number {
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c === 46) {
      if (frac >= 0) return NaN;
      frac = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return NaN;
    m = m * 10 + d;
    digits++;
    if (frac >= 0) frac++;
  }
  if (digits === 0 || digits > 15) return NaN;
  return frac > 0 ? m / POW10[frac] : m;
}

/**
 * A whole delimited file as a stream (the format already known: a zip entry, say):
 * decodeText's checks on its first 4,096 bytes and its byte-order marks, then the byte-level
 * parser. Same result and messages as parseDelimited(decodeText(bytes)).
 */
export class DelimitedFileStream {
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private lines: DelimitedByteStream | null = null;

  constructor(
    private readonly file: string,
    private readonly spec: DelimitedSpec,
    private readonly encoding: TextEncoding,
    private readonly options: ParseOptions = {},
    private readonly capacity = 1 << 16,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.lines) return this.lines.push(chunk);
    this.head.push(chunk.slice());
    this.headBytes += chunk.length;
    if (this.headBytes >= 4096) this.start();
  }

  end(): Interactions {
    if (!this.lines) this.start();
    return this.lines!.end();
  }

  private start(): void {
    const bytes = new Uint8Array(this.headBytes);
    let at = 0;
    for (const h of this.head) {
      bytes.set(h, at);
      at += h.length;
    }
    this.head = [];
    checkEncoding(bytes, this.file);
    this.lines = new DelimitedByteStream(this.file, this.spec, this.options, this.encoding, this.capacity);
    this.lines.push(bytes.subarray(leadingBomBytes(bytes, this.encoding)));
  }
}

/**
 * parseDelimited over bytes already in memory (a zip entry, say), without decoding them into
 * one string.
 */
export function parseDelimitedBytes(bytes: Uint8Array, file: string, spec: DelimitedSpec, encoding: TextEncoding, options: ParseOptions = {}, chunkBytes = 1 << 24): Interactions {
  const s = new DelimitedFileStream(file, spec, encoding, options, Math.ceil(bytes.length / 12));
  for (let at = 0; at < bytes.length; at += chunkBytes) s.push(bytes.subarray(at, Math.min(bytes.length, at + chunkBytes)));
  return s.end();
}
